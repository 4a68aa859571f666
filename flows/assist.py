"""Answers an agent may start from: for the customer's last message, the closest FAQ answers
and the owner's canned replies that share its words. Pure: no I/O; the agent picks, edits
and sends, nothing is sent from here.

FAQ answers are ranked by the bot's own matcher (``FaqIndex.rank``). Canned replies are short
ready texts without phrasings to match against, so they are compared by content words the
way the matcher reads them (``flows.persian_forms``): a customer's word counts when it shares
a form with a word of the reply or its shortcut ("ارسالش" with "ارسال").
"""

from __future__ import annotations

from collections.abc import Sequence

from core.suggestions import Suggestion
from flows.config import FlowConfig
from flows.persian_forms import is_function_word, is_number, matching_words, word_forms

FAQ_SUGGESTIONS = 3
CANNED_SUGGESTIONS = 2
# Below this an FAQ entry shares little more than a function word with the message.
MIN_FAQ_SCORE = 0.2



def suggestions(text: str, config: FlowConfig,
                canned: Sequence[tuple[str, str]]) -> tuple[Suggestion, ...]:
    """FAQ answers first, best first, then canned replies (`(shortcut, text)` pairs)."""
    if not text.strip():
        return ()
    faq = tuple(
        Suggestion(kind="faq", label=match.entry.question, text=match.entry.answer,
                   score=match.score)
        for match in config.faq_index.rank(text, limit=FAQ_SUGGESTIONS)
        if match.score >= MIN_FAQ_SCORE
    )
    return faq + _canned(text, canned)


def _canned(text: str, canned: Sequence[tuple[str, str]]) -> tuple[Suggestion, ...]:
    asked = _content_forms(text)
    if not asked:
        return ()
    scored = []
    for order, (shortcut, reply) in enumerate(canned):
        offered = set().union(*_content_forms(f"{shortcut} {reply}"))
        shared = sum(1 for forms in asked if forms & offered)
        if shared:
            scored.append((shared / len(asked), order, shortcut, reply))
    scored.sort(key=lambda found: (-found[0], found[1]))
    return tuple(Suggestion(kind="canned", label=shortcut, text=reply, score=round(score, 4))
                 for score, _, shortcut, reply in scored[:CANNED_SUGGESTIONS])


def _content_forms(text: str) -> list[frozenset[str]]:
    """The forms of each content word (not function words, not numbers) of `text`."""
    found = []
    for word in dict.fromkeys(matching_words(text)):
        forms = word_forms(word)
        if not is_number(word) and not is_function_word(forms):
            found.append(frozenset(forms))
    return found
