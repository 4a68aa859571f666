"""Where a redirect may go when the target comes from the request: a path on this site.

Pattern checks miss forms a browser reads differently from us ("/\t/host", "/\r\n/host" and
"/\\host" all become "//host" in a browser, which is another site). So the target is parsed
with yarl and rebuilt from its path and query alone; anything with a scheme or a host, or
that does not start with "/", gives the fallback.
"""

from __future__ import annotations

from yarl import URL

MAX_TARGET_CHARS = 2048


def local_path(raw: str, fallback: str) -> str:
    """`raw` rebuilt as a path (and query) on this site, or `fallback`."""
    if not raw or len(raw) > MAX_TARGET_CHARS or not raw.startswith("/"):
        return fallback
    # Browsers drop tabs and line breaks inside URLs and read "\" as "/", so take them out
    # first: what is left is what a browser would follow.
    cleaned = "".join(char for char in raw if char >= " " and char != "\x7f").replace("\\", "/")
    try:
        url = URL(cleaned)
    except ValueError:
        return fallback
    if url.scheme or url.host is not None or url.raw_authority or not url.path.startswith("/"):
        return fallback
    # One leading slash, whatever the path was: "//host" is a host to a browser.
    rebuilt = URL.build(path="/" + url.path.lstrip("/"), query_string=url.query_string)
    return str(rebuilt)
