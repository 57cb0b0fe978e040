"""Walk the pages a person can reach and find raw codes in what they read.

Used by `test_no_raw_codes.py` on the demo data. A page's visible text (no tags, scripts,
styles or attribute values; `<code>` and `<pre>` are left out: they show code on purpose) is
searched for what the code stores but people should never read: a stored actor ("person:1",
"apikey:abc"), an object reference ("core.apikey 2"), a field name in snake_case
("planned_days"), a choice code in brackets ("(use)").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlparse

RAW_PATTERNS = {
    "stored actor": re.compile(r"\b(?:person|apikey):\w+"),
    "object reference": re.compile(r"\b[a-z]+\.[a-z][a-z_]* \d+\b"),
    "snake_case name": re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),
    "choice code in brackets": re.compile(r"\((?:use|share|mean|primary|guardrail|secondary)\)"),
}
SKIP_TAGS = {"script", "style", "code", "pre", "template", "textarea"}
VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "source", "wbr"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)
        if tag in SKIP_TAGS:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split()), parser.links


def raw_codes(text: str) -> list[str]:
    """Each raw code found in `text`, with what kind it is and a little context."""
    found = []
    for kind, pattern in RAW_PATTERNS.items():
        for match in pattern.finditer(text):
            start = max(match.start() - 40, 0)
            found.append(f"{kind}: …{text[start : match.end() + 40]}…")
    return found


SKIP_PATHS = ("/accounts/logout", "/i18n/", "/api/", "/admin/", "/static/", "/media/")


def _shape(url: str) -> str:
    return re.sub(r"\d+", "N", url.split("?")[0])


def crawl(
    client, start: Iterable[str], limit: int = 150, per_shape: int = 3
) -> dict[str, list[str]]:
    """GET pages reachable from `start` on this site (at most `limit`, and `per_shape` of each
    path that differs only by numbers); the raw codes found, per page."""
    queue = list(start)
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    problems: dict[str, list[str]] = {}
    while queue and len(seen) < limit:
        url = urldefrag(queue.pop(0))[0]
        if url in seen or not url.startswith("/") or url.startswith(SKIP_PATHS):
            continue
        if "format=" in url or "/export" in url or url.endswith((".csv", ".json", ".pdf")):
            continue
        if shapes.get(_shape(url), 0) >= per_shape:
            continue
        shapes[_shape(url)] = shapes.get(_shape(url), 0) + 1
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        text, links = visible_text(response.content.decode())
        codes = raw_codes(text)
        if codes:
            problems[url] = codes
        for link in links:
            parsed = urlparse(link)
            if not parsed.netloc and parsed.path.startswith("/"):
                queue.append(parsed.path + (f"?{parsed.query}" if parsed.query else ""))
    return problems
