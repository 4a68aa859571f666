"""A fake Telegram Bot API server (aiohttp) for integration tests and benchmarks.

It serves the same URL layout as api.telegram.org (``/bot{token}/{method}`` and
``/file/bot{token}/{path}``), accepts the same encodings (JSON, urlencoded form,
multipart, query string) and answers with the same JSON envelopes, HTTP status codes
and error descriptions, so real clients (python-telegram-bot, aiogram, plain aiohttp)
can be pointed at it through their "API base URL" setting.

``FakeTelegram(dialect=BALE_API)`` behaves like Bale's Bot API (tapi.bale.ai), which
follows Telegram's layout with the differences docs/channels/bale.md lists: setWebhook
takes only a URL (no ``secret_token``, so deliveries carry no secret header, and no
``allowed_updates``), getUpdates has no update filter, and the methods Bale does not list
are answered like any unknown method.
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import inspect
import math
import mimetypes
import posixpath
import re
import time
import urllib.parse
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import ClientSession, ClientTimeout, web

from tests.fakes.base import FakeServer

DEFAULT_TOKEN = "123456:TEST-TOKEN"


@dataclass(frozen=True, slots=True, kw_only=True)
class Dialect:
    """Where one Bot API differs from Telegram's."""

    name: str
    # setWebhook's parameters; the others are ignored, as an API ignores what it lacks.
    webhook_params: frozenset[str] | None = None  # None: all of Telegram's
    secret_header: bool = True  # deliveries carry X-Telegram-Bot-Api-Secret-Token
    update_filter: bool = True  # getUpdates and setWebhook honour allowed_updates
    missing_methods: frozenset[str] = frozenset()


TELEGRAM_API = Dialect(name="telegram")
BALE_API = Dialect(
    name="bale",
    webhook_params=frozenset({"url"}),
    secret_header=False,
    update_filter=False,
    # Not among the methods Bale lists (docs.bale.ai; Balethon, a client of the whole API).
    missing_methods=frozenset({"setMyCommands", "getMyCommands", "deleteMyCommands"}),
)

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_CALLBACK_DATA_BYTES = 64
MAX_LONG_POLL_SECONDS = 50
MAX_DOWNLOADABLE_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

# Methods that put a message into a chat: only these count against the flood limits.
SEND_METHODS = ("sendMessage", "sendPhoto", "sendDocument")

CONFLICT_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK_SET = "Conflict: terminated by setWebhook request"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_ID_INVALID = "query is too old and response timeout expired or query ID is invalid"

# Telegram leaves these out of getUpdates unless they are asked for by name.
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})


# --------------------------------------------------------------------------- errors


class ApiError(Exception):
    """An answer with ``"ok": false``; the HTTP status equals ``error_code`` as on Telegram."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False, "error_code": self.status, "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def chat_not_found() -> ApiError:
    return bad_request("chat not found")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class ApiCall:
    """One request as the fake received it; ``params`` are decoded the same way for
    every encoding (numbers as int, JSON fields as objects, uploads as `Upload`)."""

    method: str
    token: str
    params: dict[str, Any]
    at: float
    status: int


@dataclass(frozen=True)
class Upload:
    """A file sent as a multipart part."""

    filename: str
    content_type: str
    content: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes = field(repr=False)
    file_name: str | None = None
    mime_type: str | None = None

    def as_file(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


@dataclass
class _Reply:
    """A successful result that also carries Telegram's ``description`` (setWebhook)."""

    result: Any
    description: str | None = None


# --------------------------------------------------------------------------- formatted text


@dataclass(frozen=True)
class FormattedText:
    text: str
    entities: list[dict[str, Any]]


class EntityParseError(Exception):
    """Carries the detail Telegram puts after "can't parse entities: "."""


def utf16_length(text: str) -> int:
    # Entity offsets and lengths are counted in UTF-16 code units by Telegram.
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode())


class _TextBuilder:
    """Collects the plain text of a formatted message and the entities over it."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.offset = 0
        self.entities: list[dict[str, Any]] = []

    def emit(self, text: str) -> None:
        if text:
            self.pieces.append(text)
            self.offset += utf16_length(text)

    def add_entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.offset > start:
            entity = {"type": kind, "offset": start, "length": self.offset - start}
            self.entities.append({**entity, **extra})

    def result(self) -> FormattedText:
        entities = sorted(self.entities, key=lambda entity: (entity["offset"], -entity["length"]))
        return FormattedText("".join(self.pieces), entities)


_HTML_TAG_ENTITIES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link",
    "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_SPECIAL = re.compile(r"[<&]")
_HTML_CHAR_REFERENCE = re.compile(r"&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([a-zA-Z]{2,8}));")
_HTML_TAG_NAME = re.compile(r"[^\s>]*")
_HTML_ATTRIBUTE = re.compile(r"""([A-Za-z-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _decode_char_reference(match: re.Match[str]) -> str | None:
    hexadecimal, decimal, name = match.groups()
    if name is not None:
        return _HTML_NAMED_ENTITIES.get(name)
    code = int(hexadecimal, 16) if hexadecimal is not None else int(decimal)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None


def _decode_html_text(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        decoded = _decode_char_reference(match)
        return match.group() if decoded is None else decoded

    return _HTML_CHAR_REFERENCE.sub(replace, text)


@dataclass
class _OpenTag:
    name: str
    start: int
    attributes: dict[str, str]


class _HtmlParser:
    """Telegram's HTML dialect: a fixed tag set, four named entities, strict nesting."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.index = 0
        self.out = _TextBuilder()
        self.open_tags: list[_OpenTag] = []

    def parse(self) -> FormattedText:
        while self.index < len(self.source):
            special = _HTML_SPECIAL.search(self.source, self.index)
            end = special.start() if special else len(self.source)
            self.out.emit(self.source[self.index:end])
            self.index = end
            if special is None:
                break
            if self.source[end] == "&":
                self._char_reference()
            elif self.source.startswith("</", end):
                self._end_tag()
            else:
                self._start_tag()
        if self.open_tags:
            name = self.open_tags[-1].name
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
        return self.out.result()

    def _error_offset(self, index: int) -> int:
        return _byte_offset(self.source, index)

    def _char_reference(self) -> None:
        match = _HTML_CHAR_REFERENCE.match(self.source, self.index)
        decoded = _decode_char_reference(match) if match else None
        if match is None or decoded is None:
            self.out.emit("&")
            self.index += 1
            return
        self.out.emit(decoded)
        self.index = match.end()

    def _start_tag(self) -> None:
        begin = self.index
        name_match = _HTML_TAG_NAME.match(self.source, begin + 1)
        if name_match.end() >= len(self.source):
            raise EntityParseError(f"Unclosed start tag at byte offset {self._error_offset(begin)}")
        name = name_match.group().lower()
        if name not in _HTML_TAG_ENTITIES:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {self._error_offset(begin)}'
            )
        close = self._find_tag_close(name_match.end(), begin)
        attributes = self._attributes(self.source[name_match.end():close])
        if name == "span" and attributes.get("class") != "tg-spoiler":
            offset = self._error_offset(begin)
            message = f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
            raise EntityParseError(message)
        self.open_tags.append(_OpenTag(name, self.out.offset, attributes))
        self.index = close + 1

    def _find_tag_close(self, position: int, begin: int) -> int:
        quote = ""
        for index in range(position, len(self.source)):
            char = self.source[index]
            if quote:
                quote = "" if char == quote else quote
            elif char in "\"'":
                quote = char
            elif char == ">":
                return index
        raise EntityParseError(f"Unclosed start tag at byte offset {self._error_offset(begin)}")

    @staticmethod
    def _attributes(text: str) -> dict[str, str]:
        attributes = {}
        for match in _HTML_ATTRIBUTE.finditer(text):
            value = next((group for group in match.groups()[1:] if group is not None), "")
            attributes[match.group(1).lower()] = _decode_html_text(value)
        return attributes

    def _end_tag(self) -> None:
        begin = self.index
        close = self.source.find(">", begin)
        if close == -1:
            raise EntityParseError(f"Unclosed end tag at byte offset {self._error_offset(begin)}")
        name = self.source[begin + 2:close].strip().lower()
        if not self.open_tags:
            raise EntityParseError(f"Unexpected end tag at byte offset {self._error_offset(begin)}")
        tag = self.open_tags[-1]
        if name and name != tag.name:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {self._error_offset(begin)}, "
                f'expected "</{tag.name}>", found "</{name}>"'
            )
        self.open_tags.pop()
        self._close(tag)
        self.index = close + 1

    def _close(self, tag: _OpenTag) -> None:
        parent = self.open_tags[-1] if self.open_tags else None
        language = tag.attributes.get("class", "")
        if tag.name == "code" and parent and parent.name == "pre" and language.startswith(
            "language-"
        ):
            # <pre><code class="language-x"> is one pre entity with a language.
            parent.attributes["language"] = language.removeprefix("language-")
            return
        self._add_entity(tag)

    def _add_entity(self, tag: _OpenTag) -> None:
        attributes = tag.attributes
        if tag.name == "a":
            if attributes.get("href"):
                self.out.add_entity("text_link", tag.start, url=attributes["href"])
        elif tag.name == "pre" and attributes.get("language"):
            self.out.add_entity("pre", tag.start, language=attributes["language"])
        elif tag.name == "blockquote" and "expandable" in attributes:
            self.out.add_entity("expandable_blockquote", tag.start)
        elif tag.name == "tg-emoji":
            if attributes.get("emoji-id"):
                emoji_id = attributes["emoji-id"]
                self.out.add_entity("custom_emoji", tag.start, custom_emoji_id=emoji_id)
        else:
            self.out.add_entity(_HTML_TAG_ENTITIES[tag.name], tag.start)


_MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MARKDOWN_V2_ENTITY_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline",
    "strikethrough": "Strikethrough", "spoiler": "Spoiler", "code": "Code", "pre": "Pre",
    "text_link": "TextUrl", "custom_emoji": "CustomEmoji",
}
_MARKDOWN_V2_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough",
                        "||": "spoiler"}
_MARKDOWN_V2_PLAIN_RUN = re.compile(r"[^\\_*\[\]()~`>#+\-=|{}.!\n]+")


@dataclass
class _OpenMark:
    kind: str
    marker: str
    start: int
    source_index: int
    language: str = ""


class _MarkdownV2Parser:
    """Telegram's MarkdownV2: every reserved character outside an entity needs a backslash."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.index = 0
        self.out = _TextBuilder()
        self.open_marks: list[_OpenMark] = []
        self.quote_start: int | None = None

    def parse(self) -> FormattedText:
        while self.index < len(self.source):
            self._step()
        self._end_quote()
        if self.open_marks:
            mark = self.open_marks[-1]
            name = _MARKDOWN_V2_ENTITY_NAMES[mark.kind]
            offset = _byte_offset(self.source, mark.source_index)
            raise EntityParseError(f"Can't find end of {name} entity at byte offset {offset}")
        return self.out.result()

    def _step(self) -> None:
        source, index = self.source, self.index
        char = source[index]
        if char == "\\" and index + 1 < len(source) and 0 < ord(source[index + 1]) <= 126:
            self.out.emit(source[index + 1])
            self.index += 2
        elif self.open_marks and self.open_marks[-1].kind in ("code", "pre"):
            self._inside_code(self.open_marks[-1])
        elif char == "\n":
            self._newline()
        elif char == ">" and self._at_line_start() and not self.open_marks:
            if self.quote_start is None:
                self.quote_start = self.out.offset
            self.index += 1
        elif char not in _MARKDOWN_V2_RESERVED:
            run = _MARKDOWN_V2_PLAIN_RUN.match(source, index)
            end = run.end() if run else index + 1  # a lone backslash is plain text
            self.out.emit(source[index:end])
            self.index = end
        elif not self._close_innermost():
            self._open(char)

    def _at_line_start(self) -> bool:
        return self.index == 0 or self.source[self.index - 1] == "\n"

    def _newline(self) -> None:
        self.index += 1
        if not self.source.startswith(">", self.index):
            self._end_quote()
        self.out.emit("\n")

    def _end_quote(self) -> None:
        if self.quote_start is not None:
            self.out.add_entity("blockquote", self.quote_start)
            self.quote_start = None

    def _inside_code(self, mark: _OpenMark) -> None:
        if self.source.startswith(mark.marker, self.index):
            self.index += len(mark.marker)
            self.open_marks.pop()
            extra = {"language": mark.language} if mark.language else {}
            self.out.add_entity(mark.kind, mark.start, **extra)
            return
        self.out.emit(self.source[self.index])
        self.index += 1

    def _close_innermost(self) -> bool:
        if not self.open_marks:
            return False
        mark = self.open_marks[-1]
        if mark.kind in ("text_link", "custom_emoji"):
            if self.source[self.index] != "]":
                return False
            self.index += 1
            self.open_marks.pop()
            self._close_link(mark)
            return True
        if not self.source.startswith(mark.marker, self.index):
            return False
        self.index += len(mark.marker)
        self.open_marks.pop()
        self.out.add_entity(mark.kind, mark.start)
        return True

    def _close_link(self, mark: _OpenMark) -> None:
        if not self.source.startswith("(", self.index):
            return
        url_chars: list[str] = []
        index = self.index + 1
        while index < len(self.source) and self.source[index] != ")":
            if self.source[index] == "\\" and index + 1 < len(self.source):
                index += 1
            url_chars.append(self.source[index])
            index += 1
        if index >= len(self.source):
            offset = _byte_offset(self.source, self.index)
            raise EntityParseError(f"Can't find end of a URL at byte offset {offset}")
        self.index = index + 1
        url = "".join(url_chars)
        if mark.kind == "custom_emoji":
            emoji_id = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("id", [""])[0]
            self.out.add_entity("custom_emoji", mark.start, custom_emoji_id=emoji_id)
        else:
            self.out.add_entity("text_link", mark.start, url=url)

    def _open(self, char: str) -> None:
        source, index = self.source, self.index
        if char == "`":
            self._open_code()
            return
        if char == "[" or (char == "!" and source.startswith("![", index)):
            kind = "text_link" if char == "[" else "custom_emoji"
            self._push(kind, source[index:source.index("[", index) + 1])
            return
        marker = source[index:index + 2] if source[index:index + 2] in ("__", "||") else char
        if marker not in _MARKDOWN_V2_MARKERS:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        self._push(_MARKDOWN_V2_MARKERS[marker], marker)

    def _push(self, kind: str, opening: str, closing: str | None = None) -> _OpenMark:
        mark = _OpenMark(kind, closing or opening, self.out.offset, self.index)
        self.open_marks.append(mark)
        self.index += len(opening)
        return mark

    def _open_code(self) -> None:
        if not self.source.startswith("```", self.index):
            self._push("code", "`")
            return
        mark = self._push("pre", "```")
        newline = self.source.find("\n", self.index)
        first_line = self.source[self.index:newline] if newline != -1 else ""
        if first_line and not any(c.isspace() or c == "`" for c in first_line):
            mark.language = first_line
            self.index = newline + 1


class _LegacyMarkdownParser:
    """Telegram's legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""

    _MARKERS = {"*": "bold", "_": "italic", "`": "code"}
    _PLAIN_RUN = re.compile(r"[^\\_*`\[]+")

    def __init__(self, source: str) -> None:
        self.source = source
        self.index = 0
        self.out = _TextBuilder()

    def parse(self) -> FormattedText:
        while self.index < len(self.source):
            char = self.source[self.index]
            if char == "\\" and self.source[self.index + 1:self.index + 2] in ("_", "*", "`", "["):
                self.out.emit(self.source[self.index + 1])
                self.index += 2
            elif char == "[":
                self._link()
            elif self.source.startswith("```", self.index):
                self._pre()
            elif char in self._MARKERS:
                self._simple(char)
            else:
                run = self._PLAIN_RUN.match(self.source, self.index)
                end = run.end() if run else self.index + 1
                self.out.emit(self.source[self.index:end])
                self.index = end
        return self.out.result()

    def _unclosed(self) -> EntityParseError:
        offset = _byte_offset(self.source, self.index)
        return EntityParseError(f"Can't find end of the entity starting at byte offset {offset}")

    def _simple(self, marker: str) -> None:
        end = self.source.find(marker, self.index + 1)
        if end == -1:
            raise self._unclosed()
        start = self.out.offset
        self.out.emit(self.source[self.index + 1:end])
        self.out.add_entity(self._MARKERS[marker], start)
        self.index = end + 1

    def _pre(self) -> None:
        end = self.source.find("```", self.index + 3)
        if end == -1:
            raise self._unclosed()
        body = self.source[self.index + 3:end]
        language, newline, rest = body.partition("\n")
        extra = {}
        if newline and language and not any(c.isspace() for c in language):
            body, extra = rest, {"language": language}
        start = self.out.offset
        self.out.emit(body)
        self.out.add_entity("pre", start, **extra)
        self.index = end + 3

    def _link(self) -> None:
        close = self.source.find("]", self.index + 1)
        if close == -1:
            raise self._unclosed()
        start = self.out.offset
        self.out.emit(self.source[self.index + 1:close])
        self.index = close + 1
        if not self.source.startswith("(", self.index):
            return
        url_end = self.source.find(")", self.index + 1)
        if url_end == -1:
            raise self._unclosed()
        self.out.add_entity("text_link", start, url=self.source[self.index + 1:url_end])
        self.index = url_end + 1


_PARSERS: dict[str, Callable[[str], Any]] = {
    "html": _HtmlParser,
    "markdownv2": _MarkdownV2Parser,
    "markdown": _LegacyMarkdownParser,
}


def _strip_formatted(formatted: FormattedText) -> FormattedText:
    """Telegram trims surrounding whitespace and shifts the entities with the text."""
    text = formatted.text
    stripped = text.strip()
    if stripped == text:
        return formatted
    lead = utf16_length(text[:len(text) - len(text.lstrip())])
    total = utf16_length(stripped)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)


def parse_formatted_text(
    text: str, parse_mode: str | None, entities: Any = None
) -> FormattedText:
    """Plain text and entities as Telegram derives them from text + parse_mode."""
    if parse_mode:
        parser = _PARSERS.get(parse_mode.lower())
        if parser is None:
            raise bad_request("unsupported parse_mode")
        try:
            formatted = parser(text).parse()
        except EntityParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
    else:
        if entities is not None and not isinstance(entities, list):
            raise bad_request("can't parse entities JSON object")
        formatted = FormattedText(text, list(entities or []))
    return _strip_formatted(formatted)


# --------------------------------------------------------------------------- request params

_INT_FIELDS = frozenset({
    "message_id", "offset", "limit", "timeout", "message_thread_id", "max_connections",
    "cache_time", "reply_to_message_id", "user_id", "from_chat_id",
})
_BOOL_FIELDS = frozenset({
    "disable_notification", "protect_content", "show_alert", "drop_pending_updates",
    "disable_web_page_preview", "allow_sending_without_reply", "has_spoiler",
    "disable_content_type_detection", "show_caption_above_media", "allow_paid_broadcast",
})
_JSON_FIELD_ERRORS = {
    "reply_markup": "can't parse reply keyboard markup JSON object",
    "entities": "can't parse entities JSON object",
    "caption_entities": "can't parse entities JSON object",
    "allowed_updates": "can't parse allowed updates JSON object",
    "link_preview_options": "can't parse link preview options JSON object",
    "reply_parameters": "can't parse reply parameters JSON object",
    "commands": "can't parse commands JSON object",
    "scope": "can't parse BotCommandScope JSON object",
}
_INTEGER_TEXT = re.compile(r"\s*-?\d+\s*")


def _normalize_value(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_FIELD_ERRORS:
        if not value.strip():
            return None
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            raise bad_request(_JSON_FIELD_ERRORS[key]) from None
    if (key in _INT_FIELDS or key == "chat_id") and _INTEGER_TEXT.fullmatch(value):
        return int(value)
    if key in _BOOL_FIELDS:
        return value.strip().lower() in ("true", "1")
    return value


async def _read_body(request: web.Request) -> dict[str, Any]:
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise bad_request("JSON object expected")
        return body
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        return {key: _form_value(value) for key, value in form.items()}
    return {}


def _form_value(value: Any) -> Any:
    if isinstance(value, web.FileField):
        return Upload(value.filename, value.content_type, value.file.read())
    return value


async def read_params(request: web.Request) -> dict[str, Any]:
    raw: dict[str, Any] = dict(request.query)
    if request.body_exists:
        raw.update(await _read_body(request))
    return {key: _normalize_value(key, value) for key, value in raw.items()}


def _int_param(params: dict[str, Any], name: str, default: int) -> int:
    value = params.get(name)
    if isinstance(value, bool) or value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return 0


def _text_param(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


# --------------------------------------------------------------------------- reply markup

_BUTTON_ACTIONS = (
    "callback_data", "url", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)
_BUTTON_ERROR = "can't parse inline keyboard button"


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request(f"{_BUTTON_ERROR}: InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request(f'{_BUTTON_ERROR}: Field "text" must be of type String')
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    elif not any(action in button for action in _BUTTON_ACTIONS):
        raise bad_request(f"{_BUTTON_ERROR}: Text buttons are unallowed in the inline keyboard")


def _validate_rows(rows: Any, field_name: str, markup_name: str) -> None:
    if not isinstance(rows, list):
        raise bad_request(f'field "{field_name}" of the {markup_name} must be an Array')
    if not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{field_name}" of the {markup_name} must be an Array of Arrays')


def inline_markup(params: dict[str, Any]) -> dict[str, Any] | None:
    """Validates ``reply_markup``; returns it when it is an inline keyboard, which Telegram
    echoes back on the sent Message (reply keyboards are not echoed)."""
    markup = params.get("reply_markup")
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        _validate_rows(rows, "inline_keyboard", "InlineKeyboardMarkup")
        for row in rows:
            for button in row:
                _validate_inline_button(button)
        return {"inline_keyboard": rows}
    if "keyboard" in markup:
        _validate_rows(markup["keyboard"], "keyboard", "ReplyKeyboardMarkup")
    return None


# --------------------------------------------------------------------------- flood limits


def _trim_window(window: deque[float], now: float, span: float) -> None:
    while window and window[0] <= now - span:
        window.popleft()


def _window_wait(window: deque[float], limit: int, span: float, now: float) -> float:
    _trim_window(window, now, span)
    if len(window) < limit:
        return 0.0
    return window[len(window) - limit] + span - now


@dataclass
class _Bucket:
    tokens: float
    updated: float

    def refill(self, now: float, capacity: float, rate: float) -> None:
        self.tokens = min(capacity, self.tokens + (now - self.updated) * rate)
        self.updated = now


class SendLimiter:
    """Telegram's documented flood limits for sending messages.

    * per bot: ``per_bot`` messages in any sliding ``bot_window`` seconds;
    * per private chat (id > 0): a token bucket of ``chat_burst`` refilling ``chat_rate``/s;
    * per group or channel (id < 0): ``per_group`` messages in any sliding ``group_window``.
    """

    _EPSILON = 1e-9
    _SWEEP_EVERY = 5.0

    def __init__(self, *, chat_burst: int = 3, chat_rate: float = 1.0, per_bot: int = 30,
                 bot_window: float = 1.0, per_group: int = 20, group_window: float = 60.0):
        self.chat_burst = chat_burst
        self.chat_rate = chat_rate
        self.per_bot = per_bot
        self.bot_window = bot_window
        self.per_group = per_group
        self.group_window = group_window
        self._bots: dict[str, deque[float]] = {}
        self._groups: dict[tuple[str, int], deque[float]] = {}
        self._private: dict[tuple[str, int], _Bucket] = {}
        self._last_sweep = -math.inf

    def wait_time(self, token: str, chat_id: int, now: float) -> float:
        """Seconds until a message to chat_id would be allowed (0 when allowed now)."""
        self._sweep_if_due(now)
        waits = [_window_wait(self._bots.get(token, deque()), self.per_bot, self.bot_window, now)]
        if chat_id < 0:
            group = self._groups.get((token, chat_id), deque())
            waits.append(_window_wait(group, self.per_group, self.group_window, now))
        else:
            waits.append(self._private_wait((token, chat_id), now))
        return max(waits)

    def record(self, token: str, chat_id: int, now: float) -> None:
        self._bots.setdefault(token, deque()).append(now)
        if chat_id < 0:
            self._groups.setdefault((token, chat_id), deque()).append(now)
            return
        bucket = self._private.setdefault((token, chat_id), _Bucket(self.chat_burst, now))
        bucket.refill(now, self.chat_burst, self.chat_rate)
        bucket.tokens -= 1

    def tracked_keys(self) -> int:
        return len(self._bots) + len(self._groups) + len(self._private)

    def _private_wait(self, key: tuple[str, int], now: float) -> float:
        bucket = self._private.get(key)
        if bucket is None:
            return 0.0
        bucket.refill(now, self.chat_burst, self.chat_rate)
        missing = 1.0 - bucket.tokens
        return 0.0 if missing <= self._EPSILON else missing / self.chat_rate

    def _sweep_if_due(self, now: float) -> None:
        if now - self._last_sweep >= self._SWEEP_EVERY:
            self.sweep(now)

    def sweep(self, now: float) -> None:
        """Forget keys with nothing left to limit, so memory follows the active chats only."""
        self._last_sweep = now
        for windows, span in ((self._bots, self.bot_window), (self._groups, self.group_window)):
            for key in [key for key, window in windows.items() if not window or
                        window[-1] <= now - span]:
                del windows[key]
        for key, bucket in list(self._private.items()):
            bucket.refill(now, self.chat_burst, self.chat_rate)
            if bucket.tokens >= self.chat_burst - self._EPSILON:
                del self._private[key]


def retry_after_seconds(wait: float) -> int:
    return max(1, math.ceil(wait - 1e-9))


# --------------------------------------------------------------------------- per-bot state


def _update_type(update: dict[str, Any]) -> str | None:
    return next((key for key in update if key != "update_id"), None)


def _bot_user(token: str) -> dict[str, Any]:
    prefix = token.split(":", 1)[0]
    if prefix.isdigit():
        bot_id = int(prefix)
    else:
        bot_id = int(hashlib.sha1(token.encode()).hexdigest()[:8], 16)
    return {
        "id": bot_id, "is_bot": True, "first_name": "Pasokh Test Bot",
        "username": f"pasokh_test_{bot_id}_bot", "can_join_groups": True,
        "can_read_all_group_messages": False, "supports_inline_queries": False,
        "can_connect_to_business": False, "has_main_web_app": False,
    }


def _sender(user: dict[str, Any]) -> dict[str, Any]:
    """The bot as it appears in ``from`` of its messages (getMe adds capability flags)."""
    return {key: user[key] for key in ("id", "is_bot", "first_name", "username")}


@dataclass
class _BotState:
    token: str
    user: dict[str, Any]
    updates: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 1
    allowed_updates: list[str] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    poll_generation: int = 0
    poll_stop_reason: str = CONFLICT_OTHER_POLL
    waiting_polls: int = 0
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    last_message_ids: dict[int, int] = field(default_factory=dict)
    pushed_callbacks: set[str] = field(default_factory=set)
    answered_callbacks: set[str] = field(default_factory=set)
    commands: list[Any] = field(default_factory=list)

    def notify(self) -> None:
        event, self.wakeup = self.wakeup, asyncio.Event()
        event.set()

    def terminate_polls(self, reason: str) -> None:
        self.poll_generation += 1
        self.poll_stop_reason = reason
        self.notify()

    def next_message_id(self, chat_id: int) -> int:
        """As Telegram does: one sequence per chat, shared by the bot's messages and the
        customer's (so an id never names two messages of one chat)."""
        self.last_message_ids[chat_id] = self.last_message_ids.get(chat_id, 0) + 1
        return self.last_message_ids[chat_id]

    def stamp(self, update: dict[str, Any]) -> dict[str, Any]:
        update = dict(update)
        update.setdefault("update_id", self.next_update_id)
        self.next_update_id = max(self.next_update_id, int(update["update_id"]) + 1)
        self._number_message(update)
        return update

    def _number_message(self, update: dict[str, Any]) -> None:
        """A new message in an update takes the chat's next id when it has none, and one it
        has moves the chat's sequence past it: the bot's next message never reuses it."""
        message = update.get("message")
        chat = message.get("chat") if isinstance(message, dict) else None
        if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
            return
        if "message_id" not in message:
            update["message"] = {**message, "message_id": self.next_message_id(chat["id"])}
        elif isinstance(message["message_id"], int):
            self.last_message_ids[chat["id"]] = max(self.last_message_ids.get(chat["id"], 0),
                                                    message["message_id"])

    def queue(self, update: dict[str, Any]) -> None:
        bisect.insort(self.updates, update, key=lambda queued: queued["update_id"])
        callback = update.get("callback_query")
        if isinstance(callback, dict) and callback.get("id"):
            self.pushed_callbacks.add(str(callback["id"]))
        self.notify()

    def confirm(self, offset: int) -> None:
        if offset > 0:
            self.updates = [update for update in self.updates if update["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]

    def deliverable(self, limit: int) -> list[dict[str, Any]]:
        """The next updates getUpdates may return; types not allowed are dropped for good."""
        wanted = set(self.allowed_updates)
        kept = [update for update in self.updates if self._allowed(update, wanted)]
        self.updates = kept
        return kept[:limit]

    @staticmethod
    def _allowed(update: dict[str, Any], wanted: set[str]) -> bool:
        kind = _update_type(update)
        return kind in wanted if wanted else kind not in OPT_IN_UPDATE_TYPES


# --------------------------------------------------------------------------- the server

Handler = Callable[[_BotState, dict[str, Any]], Any]


class FakeTelegram(FakeServer):
    """A Telegram Bot API look-alike on a loopback port; see the module docstring.

    Beyond the documented test API: ``chat_burst`` sizes the private-chat token bucket,
    ``clock`` replaces time.monotonic (e.g. a `ManualClock`) for the limits and
    ``ApiCall.at``, and ``record_limit`` / ``message_limit`` / ``send_log_limit`` keep
    only the newest calls, sent messages and send records (None keeps everything).
    Control methods (push_update, add_file, ...) must be called from the server's loop.
    """

    def __init__(
        self,
        *,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        enforce_limits: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        chat_burst: int = 3,
        clock: Callable[[], float] = time.monotonic,
        record_limit: int | None = None,
        message_limit: int | None = None,
        send_log_limit: int | None = None,
        dialect: Dialect = TELEGRAM_API,
    ) -> None:
        self.dialect = dialect
        self._bots = {token: _BotState(token, _bot_user(token)) for token in tokens}
        if not self._bots:
            raise ValueError("FakeTelegram needs at least one token")
        self._default_token = next(iter(self._bots))
        self.enforce_limits = enforce_limits
        super().__init__(host=host, port=port)
        self.limiter = SendLimiter(chat_burst=chat_burst)
        self._clock = clock
        self._record_limit = record_limit
        self._message_limit = message_limit

        self.calls: list[ApiCall] = []
        self.blocked_chats: set[int] = set()
        self.known_chats: set[int] | None = None
        self.too_many_requests = 0
        self.sends: deque[tuple[int, float]] = deque(maxlen=send_log_limit)
        self.method_counts: Counter[str] = Counter()
        self.failure_counts: Counter[str] = Counter()

        self._messages: OrderedDict[tuple[str, int, int], dict[str, Any]] = OrderedDict()
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, str] = {}
        self._file_counter = 0
        self._usernames: dict[str, int] = {}
        self._failures: dict[str, deque[ApiError]] = {}
        self._delays: dict[str, deque[float]] = {}
        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
        }
        for missing in dialect.missing_methods:
            del self._handlers[missing]
        self._method_names = {name.lower(): name for name in self._handlers}

    # ----------------------------------------------------------------- lifecycle

    client_max_size = MAX_UPLOAD_BYTES + 1024 * 1024

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_route("*", "/bot{token}/{method}", self._handle_api)
        router.add_get("/file/bot{token}/{file_path:.+}", self._handle_download)
        router.add_get("/__stats", self._handle_stats)
        router.add_post("/__updates", self._handle_push_updates)
        router.add_route("*", "/{tail:.*}", self._handle_unknown_path)

    def _on_close(self) -> None:
        for bot in self._bots.values():
            bot.notify()

    # ----------------------------------------------------------------- test controls

    @property
    def webhook(self) -> dict[str, Any] | None:
        """The last setWebhook params of the default (first) token, None when deleted."""
        return self._bots[self._default_token].webhook

    def webhook_for(self, token: str) -> dict[str, Any] | None:
        return self._bot_for(token).webhook

    def polling(self, token: str | None = None) -> bool:
        """Whether a getUpdates long poll is waiting for updates right now."""
        return self._bot_for(token).waiting_polls > 0

    def calls_to(self, method: str) -> list[ApiCall]:
        name = self._canonical(method)
        return [call for call in self.calls if call.method == name]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        return [
            call.params for call in self.calls
            if call.method in SEND_METHODS and call.status == 200
            and (chat_id is None or call.params.get("chat_id") == chat_id)
        ]

    def next_message_id(self, chat_id: int, token: str | None = None) -> int:
        """The id the chat's next message takes, for an update built outside the fake (a load
        generator posting to the webhook itself): from the chat's one sequence."""
        return self._bot_for(token).next_message_id(chat_id)

    def push_update(self, update: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        bot = self._bot_for(token)
        stamped = bot.stamp(update)
        self._register_files_in(stamped)
        bot.queue(stamped)
        return stamped

    def add_file(self, file_id: str, content: bytes, file_path: str | None = None) -> None:
        path = file_path or self._new_file_path("documents", "")
        self._store_file(StoredFile(file_id, _unique_id(file_id), path, content))

    def fail_next(self, method: str, *, status: int, description: str,
                  retry_after: int | None = None, times: int = 1) -> None:
        error = ApiError(status, description, retry_after=retry_after)
        self._failures.setdefault(self._canonical(method), deque()).extend([error] * times)

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        self._delays.setdefault(self._canonical(method), deque()).extend([seconds] * times)

    def failures_left(self, method: str) -> int:
        """Failures of `fail_next` not yet taken (a soak keeps a storm going with few queued)."""
        return len(self._failures.get(self._canonical(method), ()))

    def delays_left(self, method: str) -> int:
        """Delays of `delay_next` not yet taken: a call takes one as soon as it arrives."""
        return len(self._delays.get(self._canonical(method), ()))

    async def deliver_update(self, update: dict[str, Any], token: str | None = None) -> int:
        """POST an update to the webhook set with setWebhook, as Telegram would, with the
        X-Telegram-Bot-Api-Secret-Token header (Bale sends none); returns the webhook's
        HTTP status."""
        bot = self._bot_for(token)
        if bot.webhook is None:
            raise AssertionError("no webhook is set for this token; call setWebhook first")
        headers = {"Content-Type": "application/json"}
        if self.dialect.secret_header and bot.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = bot.webhook["secret_token"]
        if self._webhook_client is None:
            self._webhook_client = ClientSession(timeout=ClientTimeout(total=30))
        body = orjson.dumps(bot.stamp(update))
        async with self._webhook_client.post(
            bot.webhook["url"], data=body, headers=headers
        ) as response:
            await response.read()
            return response.status

    def stats(self, *, include_sends: bool = False) -> dict[str, Any]:
        stats: dict[str, Any] = {
            "calls": dict(self.method_counts),
            "failed": dict(self.failure_counts),
            "too_many_requests": self.too_many_requests,
            "sent": sum(self.method_counts[m] - self.failure_counts[m] for m in SEND_METHODS),
            "now": self._clock(),
        }
        if include_sends:
            stats["sends"] = [list(send) for send in self.sends]
        return stats

    # ----------------------------------------------------------------- HTTP plumbing

    async def _handle_api(self, request: web.Request) -> web.Response:
        arrived = self._clock()
        token = request.match_info["token"]
        method = self._canonical(request.match_info["method"])
        params: dict[str, Any] = {}
        try:
            bot = self._authorize(token)
            handler = self._handler(method)
            params = await read_params(request)
            body = await self._dispatch(bot, method, handler, params)
            status = 200
        except ApiError as error:
            body, status = error.body(), error.status
        except Exception as error:  # a bug in the fake must still answer like Telegram
            failure = ApiError(500, f"Internal Server Error: fake server bug: {error!r}")
            body, status = failure.body(), failure.status
        self._record(ApiCall(method, token, params, arrived, status))
        return _json_response(body, status)

    async def _dispatch(self, bot: _BotState, method: str, handler: Handler,
                        params: dict[str, Any]) -> dict[str, Any]:
        await self._apply_delay(method)
        self._raise_injected_failure(method)
        outcome = handler(bot, params)
        if inspect.isawaitable(outcome):
            outcome = await outcome
        reply = outcome if isinstance(outcome, _Reply) else _Reply(outcome)
        body: dict[str, Any] = {"ok": True, "result": reply.result}
        if reply.description:
            body["description"] = reply.description
        return body

    def _authorize(self, token: str) -> _BotState:
        bot = self._bots.get(token)
        if bot is None:
            raise ApiError(401, "Unauthorized")
        return bot

    def _handler(self, method: str) -> Handler:
        handler = self._handlers.get(method)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        return handler

    def _canonical(self, method: str) -> str:
        return self._method_names.get(method.lower(), method)

    async def _apply_delay(self, method: str) -> None:
        delays = self._delays.get(method)
        if delays:
            seconds = delays.popleft()
            try:
                await asyncio.wait_for(self._closing.wait(), seconds)
            except TimeoutError:
                pass

    def _raise_injected_failure(self, method: str) -> None:
        failures = self._failures.get(method)
        if failures:
            raise failures.popleft()

    def _record(self, call: ApiCall) -> None:
        counted = call.method if call.method in self._handlers else "<unknown>"
        self.method_counts[counted] += 1
        if call.status != 200:
            self.failure_counts[counted] += 1
        if self._record_limit == 0:
            return
        # Long polls and delayed calls finish late; keep the list in arrival order.
        bisect.insort(self.calls, call, key=lambda recorded: recorded.at)
        if self._record_limit is not None and len(self.calls) > self._record_limit:
            del self.calls[: len(self.calls) - self._record_limit]

    async def _handle_download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] not in self._bots:
            return _json_response(ApiError(401, "Unauthorized").body(), 401)
        file_id = self._file_paths.get(request.match_info["file_path"])
        if file_id is None:
            return _json_response(ApiError(404, "Not Found").body(), 404)
        stored = self._files[file_id]
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.content, content_type=content_type)

    async def _handle_stats(self, request: web.Request) -> web.Response:
        include_sends = request.query.get("sends", "") not in ("", "0", "false")
        return _json_response(self.stats(include_sends=include_sends), 200)

    async def _handle_push_updates(self, request: web.Request) -> web.Response:
        token = request.query.get("token") or None
        try:
            body = orjson.loads(await request.read())
            updates = body if isinstance(body, list) else [body]
            pushed = [self.push_update(update, token)["update_id"] for update in updates]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            return _json_response(bad_request(f"bad update: {error}").body(), 400)
        return _json_response({"ok": True, "result": pushed}, 200)

    async def _handle_unknown_path(self, request: web.Request) -> web.Response:
        return _json_response(ApiError(404, "Not Found").body(), 404)

    def _bot_for(self, token: str | None) -> _BotState:
        bot = self._bots.get(token or self._default_token)
        if bot is None:
            raise KeyError(f"unknown token {token!r}; known: {list(self._bots)}")
        return bot

    def _recent_calls(self) -> tuple[int, str]:
        return len(self.calls), "\n".join(
            f"  {call.method} -> {call.status} {_summarize_params(call.params)}"
            for call in self.calls[-15:]
        )

    # ----------------------------------------------------------------- chats and messages

    def _resolve_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        chat_id = self._chat_id(raw)
        if self.known_chats is not None and chat_id not in self.known_chats:
            raise chat_not_found()
        return self._chat_object(chat_id)

    def _chat_id(self, raw: Any) -> int:
        if isinstance(raw, int) and not isinstance(raw, bool) and raw != 0:
            return raw
        if isinstance(raw, str) and re.fullmatch(r"@[A-Za-z][A-Za-z0-9_]{3,31}", raw.strip()):
            username = raw.strip()[1:].lower()
            return self._usernames.setdefault(username, -1_000_000_000_000 - len(self._usernames))
        raise chat_not_found()

    def _chat_object(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        username = next((name for name, known in self._usernames.items() if known == chat_id), None)
        if username is not None:
            return {"id": chat_id, "type": "channel", "title": f"@{username}", "username": username}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}

    def _ensure_not_blocked(self, chat_id: int) -> None:
        if chat_id in self.blocked_chats:
            if chat_id > 0:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")

    def _check_limits(self, token: str, chat_id: int, now: float) -> None:
        if not self.enforce_limits:
            return
        wait = self.limiter.wait_time(token, chat_id, now)
        if wait > 0:
            self.too_many_requests += 1
            seconds = retry_after_seconds(wait)
            raise ApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)
        self.limiter.record(token, chat_id, now)

    def _deliver(self, bot: _BotState, chat: dict[str, Any], params: dict[str, Any],
                 content: dict[str, Any]) -> dict[str, Any]:
        """The common tail of every send*: blocked → 403, over a limit → 429, else a Message."""
        chat_id = chat["id"]
        self._ensure_not_blocked(chat_id)
        now = self._clock()
        self._check_limits(bot.token, chat_id, now)
        message = {
            "message_id": bot.next_message_id(chat_id), "from": _sender(bot.user), "chat": chat,
            "date": int(time.time()), **content,
        }
        for optional in ("message_thread_id", "business_connection_id"):
            if params.get(optional) not in (None, ""):
                message[optional] = params[optional]
        self._remember(bot, message)
        self.sends.append((chat_id, now))
        return message

    def _remember(self, bot: _BotState, message: dict[str, Any]) -> None:
        self._messages[(bot.token, message["chat"]["id"], message["message_id"])] = message
        if self._message_limit is not None and len(self._messages) > self._message_limit:
            self._messages.popitem(last=False)

    def _find_message(self, bot: _BotState, params: dict[str, Any],
                      not_found: str) -> tuple[tuple[str, int, int], dict[str, Any]]:
        chat = self._resolve_chat(params)
        message_id = _int_param(params, "message_id", 0)
        if message_id <= 0:
            raise bad_request("message identifier is not specified")
        key = (bot.token, chat["id"], message_id)
        message = self._messages.get(key)
        if message is None:
            raise bad_request(not_found)
        return key, message

    @staticmethod
    def _text_content(params: dict[str, Any]) -> dict[str, Any]:
        formatted = parse_formatted_text(
            _text_param(params, "text"), params.get("parse_mode"), params.get("entities")
        )
        if not formatted.text:
            raise bad_request("message text is empty")
        if len(formatted.text) > MAX_MESSAGE_LENGTH:
            raise bad_request("message is too long")
        content: dict[str, Any] = {"text": formatted.text}
        if formatted.entities:
            content["entities"] = formatted.entities
        return content

    @staticmethod
    def _caption_content(params: dict[str, Any]) -> dict[str, Any]:
        formatted = parse_formatted_text(
            _text_param(params, "caption"), params.get("parse_mode"),
            params.get("caption_entities"),
        )
        if len(formatted.text) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        content: dict[str, Any] = {"caption": formatted.text} if formatted.text else {}
        if formatted.entities:
            content["caption_entities"] = formatted.entities
        return content

    @staticmethod
    def _with_markup(content: dict[str, Any], markup: dict[str, Any] | None) -> dict[str, Any]:
        return {**content, "reply_markup": markup} if markup else content

    # ----------------------------------------------------------------- files

    def _store_file(self, stored: StoredFile) -> StoredFile:
        previous = self._files.get(stored.file_id)
        if previous is not None:
            self._file_paths.pop(previous.file_path, None)
        self._files[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored.file_id
        return stored

    def _new_file_path(self, folder: str, name: str) -> str:
        self._file_counter += 1
        extension = posixpath.splitext(name)[1]
        return f"{folder}/file_{self._file_counter}{extension}"

    def _new_file(self, kind: str, content: bytes, name: str, mime_type: str | None) -> StoredFile:
        path = self._new_file_path(f"{kind}s", name)
        file_id = f"fake-{kind}-{self._file_counter}"
        mime_type = mime_type or mimetypes.guess_type(name)[0]
        return self._store_file(
            StoredFile(file_id, _unique_id(file_id), path, content, name or None, mime_type)
        )

    def _input_file(self, params: dict[str, Any], field_name: str) -> StoredFile:
        """The file a send* refers to: an upload, attach://part, a known file_id or a URL."""
        value = params.get(field_name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value.removeprefix("attach://"))
        if isinstance(value, Upload):
            return self._new_file(field_name, value.content, value.filename, value.content_type)
        if not isinstance(value, str) or not value.strip():
            raise bad_request(f"there is no {field_name} in the request")
        if value in self._files:
            return self._files[value]
        if value.startswith(("http://", "https://")):
            name = posixpath.basename(urllib.parse.urlsplit(value).path)
            return self._new_file(field_name, b"", name, None)
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _register_files_in(self, value: Any) -> None:
        """File ids inside pushed updates become known, as they are to the real bot."""
        if isinstance(value, list):
            for item in value:
                self._register_files_in(item)
        elif isinstance(value, dict):
            file_id = value.get("file_id")
            if isinstance(file_id, str) and file_id not in self._files:
                path = self._new_file_path("documents", value.get("file_name") or "")
                self._store_file(StoredFile(file_id, value.get("file_unique_id") or
                                            _unique_id(file_id), path, b"",
                                            value.get("file_name"), value.get("mime_type")))
            for item in value.values():
                self._register_files_in(item)

    # ----------------------------------------------------------------- method handlers

    def _get_me(self, bot: _BotState, params: dict[str, Any]) -> dict[str, Any]:
        return bot.user

    def _send_message(self, bot: _BotState, params: dict[str, Any]) -> dict[str, Any]:
        content = self._with_markup(self._text_content(params), inline_markup(params))
        return self._deliver(bot, self._resolve_chat(params), params, content)

    def _send_photo(self, bot: _BotState, params: dict[str, Any]) -> dict[str, Any]:
        caption = self._caption_content(params)
        markup = inline_markup(params)
        stored = self._input_file(params, "photo")
        chat = self._resolve_chat(params)
        photo = {
            "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content), "width": 800, "height": 600,
        }
        content = self._with_markup({"photo": [photo], **caption}, markup)
        return self._deliver(bot, chat, params, content)

    def _send_document(self, bot: _BotState, params: dict[str, Any]) -> dict[str, Any]:
        caption = self._caption_content(params)
        markup = inline_markup(params)
        stored = self._input_file(params, "document")
        chat = self._resolve_chat(params)
        document = {
            "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        if stored.file_name:
            document["file_name"] = stored.file_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        content = self._with_markup({"document": document, **caption}, markup)
        return self._deliver(bot, chat, params, content)

    def _send_chat_action(self, bot: _BotState, params: dict[str, Any]) -> bool:
        chat = self._resolve_chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._ensure_not_blocked(chat["id"])
        return True

    def _edit_message_text(self, bot: _BotState, params: dict[str, Any]) -> Any:
        content = self._text_content(params)
        markup = inline_markup(params)
        if params.get("inline_message_id"):
            return True
        key, message = self._find_message(bot, params, "message to edit not found")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        return self._apply_edit(key, message, self._with_markup(content, markup))

    def _edit_message_reply_markup(self, bot: _BotState, params: dict[str, Any]) -> Any:
        markup = inline_markup(params)
        if params.get("inline_message_id"):
            return True
        key, message = self._find_message(bot, params, "message to edit not found")
        content = {name: message[name] for name in ("text", "entities") if name in message}
        return self._apply_edit(key, message, self._with_markup(content, markup))

    def _apply_edit(self, key: tuple[str, int, int], message: dict[str, Any],
                    content: dict[str, Any]) -> dict[str, Any]:
        compared = ("text", "entities", "reply_markup")
        if all(message.get(name) == content.get(name) for name in compared):
            raise bad_request(NOT_MODIFIED)
        edited = {name: value for name, value in message.items() if name not in compared}
        edited.update(content, edit_date=int(time.time()))
        self._messages[key] = edited
        return edited

    def _delete_message(self, bot: _BotState, params: dict[str, Any]) -> bool:
        key, _ = self._find_message(bot, params, "message to delete not found")
        del self._messages[key]
        return True

    def _answer_callback_query(self, bot: _BotState, params: dict[str, Any]) -> bool:
        query_id = _text_param(params, "callback_query_id").strip()
        if not query_id or query_id in bot.answered_callbacks:
            raise bad_request(QUERY_ID_INVALID)
        if len(_text_param(params, "text")) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        # Only queries the fake handed out can be "already answered"; others are trusted.
        if query_id in bot.pushed_callbacks:
            bot.pushed_callbacks.discard(query_id)
            bot.answered_callbacks.add(query_id)
        return True

    async def _get_updates(self, bot: _BotState, params: dict[str, Any]) -> list[dict[str, Any]]:
        if bot.webhook is not None:
            raise ApiError(409, CONFLICT_WEBHOOK_ACTIVE)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        timeout = min(max(_int_param(params, "timeout", 0), 0), MAX_LONG_POLL_SECONDS)
        if self.dialect.update_filter and params.get("allowed_updates") is not None:
            bot.allowed_updates = [str(kind) for kind in params["allowed_updates"] or []]
        bot.confirm(_int_param(params, "offset", 0))
        bot.terminate_polls(CONFLICT_OTHER_POLL)
        return await self._long_poll(bot, limit, timeout)

    async def _long_poll(self, bot: _BotState, limit: int, seconds: float) -> list[dict[str, Any]]:
        generation = bot.poll_generation
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            updates = bot.deliverable(limit)
            remaining = deadline - loop.time()
            if updates or remaining <= 0 or self._closing.is_set():
                return updates
            wakeup = bot.wakeup
            bot.waiting_polls += 1
            try:
                await asyncio.wait_for(wakeup.wait(), remaining)
            except TimeoutError:
                pass
            finally:
                bot.waiting_polls -= 1
            if bot.poll_generation != generation:
                raise ApiError(409, bot.poll_stop_reason)

    def _set_webhook(self, bot: _BotState, params: dict[str, Any]) -> _Reply:
        if self.dialect.webhook_params is not None:
            params = {key: value for key, value in params.items()
                      if key in self.dialect.webhook_params}
        url = _text_param(params, "url").strip()
        if not url:
            return self._remove_webhook(bot, params)
        _validate_webhook_url(url)
        secret = params.get("secret_token")
        if secret not in (None, "") and not (
            isinstance(secret, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret)
        ):
            raise bad_request("secret token contains unallowed characters")
        webhook = {
            key: (value.filename if isinstance(value, Upload) else value)
            for key, value in params.items()
        }
        webhook["url"] = url
        already_set = bot.webhook is not None and _same_webhook(bot.webhook, webhook)
        if params.get("drop_pending_updates"):
            bot.updates.clear()
        if params.get("allowed_updates") is not None:
            bot.allowed_updates = [str(kind) for kind in params["allowed_updates"] or []]
        bot.webhook = webhook
        bot.terminate_polls(CONFLICT_WEBHOOK_SET)
        return _Reply(True, "Webhook is already set" if already_set else "Webhook was set")

    def _delete_webhook(self, bot: _BotState, params: dict[str, Any]) -> _Reply:
        return self._remove_webhook(bot, params)

    @staticmethod
    def _remove_webhook(bot: _BotState, params: dict[str, Any]) -> _Reply:
        if params.get("drop_pending_updates"):
            bot.updates.clear()
        was_set, bot.webhook = bot.webhook is not None, None
        return _Reply(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    def _get_webhook_info(self, bot: _BotState, params: dict[str, Any]) -> dict[str, Any]:
        webhook = bot.webhook or {}
        info: dict[str, Any] = {
            "url": webhook.get("url", ""),
            "has_custom_certificate": bool(webhook.get("certificate")),
            "pending_update_count": len(bot.updates),
        }
        if webhook:
            info["max_connections"] = min(max(_int_param(webhook, "max_connections", 40), 1), 100)
            if webhook.get("ip_address"):
                info["ip_address"] = webhook["ip_address"]
            if bot.allowed_updates:
                info["allowed_updates"] = bot.allowed_updates
        return info

    def _get_file(self, bot: _BotState, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._files.get(_text_param(params, "file_id").strip())
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_DOWNLOADABLE_BYTES:
            raise bad_request("file is too big")
        return stored.as_file()

    def _set_my_commands(self, bot: _BotState, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or not all(
            isinstance(command, dict) and command.get("command") and command.get("description")
            for command in commands
        ):
            raise bad_request("can't parse commands JSON object")
        bot.commands = commands
        return True

    def _get_my_commands(self, bot: _BotState, params: dict[str, Any]) -> list[Any]:
        return bot.commands

    def _delete_my_commands(self, bot: _BotState, params: dict[str, Any]) -> bool:
        bot.commands = []
        return True


# --------------------------------------------------------------------------- helpers

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})


def _validate_webhook_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url if "://" in url else f"https://{url}")
    host = (parts.hostname or "").lower()
    if not host:
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
    # Deviation from Telegram on purpose: plain http and any port on loopback, for tests.
    if host in _LOOPBACK_HOSTS and parts.scheme in ("http", "https"):
        return
    if parts.scheme != "https":
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    try:
        port = parts.port or 443
    except ValueError:
        port = -1
    if port not in _WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


def _same_webhook(current: dict[str, Any], new: dict[str, Any]) -> bool:
    compared = ("url", "secret_token", "max_connections", "allowed_updates", "ip_address")
    return all(current.get(key) == new.get(key) for key in compared)


def _unique_id(file_id: str) -> str:
    return "U" + hashlib.blake2s(file_id.encode(), digest_size=8).hexdigest()


def _summarize_params(params: dict[str, Any]) -> str:
    shown = {key: params[key] for key in ("chat_id", "text", "message_id") if key in params}
    text = repr(shown)
    return text if len(text) <= 120 else text[:117] + "..."


def _json_response(body: Any, status: int) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")

