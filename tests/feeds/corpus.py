"""Run the parser over other projects' feed test data (../shared/feeds-corpus, read in place).

Three measures, shared by tests/feeds/test_parse_corpus.py and bench/parse_corpus.py:
- every file parses to a ParsedFeed or a FeedError, on both paths, never another exception;
- where the lxml fast path accepts a document, it gives what the feedparser path gives;
- feedparser's own `Expect:` lines, where they are plain equalities on a field we keep
  (feed title and link; the first entry's title, link, id, summary, content, author, date),
  hold for our result once our documented rules are applied to the expected value (markup
  becomes text except in Atom type="text", titles on one line, links resolved, ids stripped).
"""

from __future__ import annotations

import ast
import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser

from bot.errors import FeedError
from bot.feeds.markup import as_text, resolve_link, title_text
from bot.feeds.parse import ParsedFeed, parse_feed

FETCHED = datetime(2030, 1, 1, tzinfo=UTC)
FEEDPARSER_BASE = "http://127.0.0.1:8097/tests/"  # where feedparser's own suite serves them
_SKIP_SUFFIXES = (".py", ".md", ".html-result")
_COMMENT = re.compile(rb"^\s*<!--(.*?)-->\s*", re.S)
_HEADER = re.compile(r"^Header:\s*([\w-]+):\s*(.*)$", re.M)
_EXPECT = re.compile(r"^Expect:\s*(.*)$", re.M)


@dataclass(frozen=True)
class Document:
    path: Path
    body: bytes
    url: str
    headers: dict[str, str]


@dataclass
class Tally:
    files: int = 0
    parsed: int = 0
    not_feeds: int = 0
    exceptions: list[str] = field(default_factory=list)
    fast_accepted: int = 0
    fast_matching: int = 0
    fast_differing: list[str] = field(default_factory=list)
    expectations: int = 0
    expectations_met: int = 0
    expectations_unmet: list[str] = field(default_factory=list)
    entries_skipped_as_empty: int = 0


def documents(root: Path) -> Iterator[Document]:
    """Every feed-like file under `root`, with the headers and URL its suite used."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix in _SKIP_SUFFIXES or path.name == "LICENSE" or path.name.endswith(".py"):
            continue
        body = path.read_bytes()
        relative = path.relative_to(root).as_posix()
        headers = {"Content-Type": "application/feed+json" if path.suffix == ".json" else ""}
        url = f"https://corpus.example/{relative}"
        if relative.startswith("feedparser/"):
            url = FEEDPARSER_BASE + relative.removeprefix("feedparser/")
            comment = _COMMENT.match(body)
            if comment:
                text = comment.group(1).decode("utf-8", errors="replace")
                headers.update({k: v.strip() for k, v in _HEADER.findall(text)})
        if not headers["Content-Type"]:
            del headers["Content-Type"]
        yield Document(path, body, url, headers)


def parse_both(doc: Document) -> tuple[ParsedFeed | None, ParsedFeed | None]:
    """(fast-or-feedparser result, feedparser-only result); None for a FeedError."""
    results: list[ParsedFeed | None] = []
    for fast in (True, False):
        try:
            results.append(
                parse_feed(
                    doc.body, url=doc.url, headers=doc.headers, fetched_at=FETCHED, fast=fast
                )
            )
        except FeedError:
            results.append(None)
    return results[0], results[1]


def without_leading_comment(doc: Document) -> Document | None:
    """The document with its leading `<!-- Description/Expect -->` comment cut, so that the
    fast path, which leaves documents with anything before the root to feedparser, sees it."""
    cut = _COMMENT.sub(b"", doc.body, count=1)
    return None if cut == doc.body else Document(doc.path, cut, doc.url, doc.headers)


def differences(a: ParsedFeed, b: ParsedFeed) -> list[str]:
    """Every field the project keeps that differs between two results."""
    out = [
        f"{name}: {getattr(a, name)!r} != {getattr(b, name)!r}"
        for name in ("title", "link", "ttl_minutes", "kind", "warning")
        if getattr(a, name) != getattr(b, name)
    ]
    if len(a.items) != len(b.items):
        out.append(f"items: {len(a.items)} != {len(b.items)}")
    for index, (x, y) in enumerate(zip(a.items, b.items, strict=False)):
        for name in x.__dataclass_fields__:
            if getattr(x, name) != getattr(y, name):
                out.append(f"item {index} {name}: {getattr(x, name)!r} != {getattr(y, name)!r}")
    return out


def tally(root: Path) -> Tally:
    result = Tally()
    for doc in documents(root):
        result.files += 1
        try:
            quick, slow = parse_both(doc)
        except Exception as exc:  # the measure itself: any exception here is a finding
            result.exceptions.append(f"{doc.path.name}: {type(exc).__name__}: {exc}")
            continue
        if slow is None:
            result.not_feeds += 1
        else:
            result.parsed += 1
            _check_expectations(doc, slow, result)
        variants = [(doc, quick, slow)]
        cut = without_leading_comment(doc)
        if cut is not None:
            try:
                variants.append((cut, *parse_both(cut)))
            except Exception as exc:
                result.exceptions.append(f"{doc.path.name} (cut): {type(exc).__name__}: {exc}")
        for variant, fast_result, slow_result in variants:
            if fast_result is None or fast_result.via != "lxml":
                continue
            result.fast_accepted += 1
            diff = differences(fast_result, slow_result) if slow_result else ["feedparser: no feed"]
            if diff:
                result.fast_differing.append(f"{variant.path.name}: {diff[:3]}")
            else:
                result.fast_matching += 1
    return result


# ------------------------------------------------------------------ feedparser's Expect lines


def _check_expectations(doc: Document, ours: ParsedFeed, result: Tally) -> None:
    if not doc.path.as_posix().count("/feedparser/"):
        return
    comment = _COMMENT.match(doc.body)
    if not comment:
        return
    found = _EXPECT.search(comment.group(1).decode("utf-8", errors="replace"))
    if not found:
        return
    try:
        tree = ast.parse(found.group(1).strip(), mode="eval").body
    except SyntaxError:
        return
    conjuncts = (
        tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]
    )
    oracle: Any = None
    for node in conjuncts:
        check = _equality(node)
        if check is None:
            continue
        path, expected = check
        if oracle is None:  # feedparser's own reading, only for each field's declared type
            oracle = feedparser.parse(doc.body, response_headers=_lower(doc.headers))
        compare = _RULES.get(path)
        if compare is None:
            continue
        if path[0] == "entries" and not ours.items:
            result.entries_skipped_as_empty += 1  # nothing but e.g. an author: we skip those
            continue
        verdict = compare(ours, expected, oracle, doc.url)
        if verdict is None:
            continue
        result.expectations += 1
        if verdict:
            result.expectations_met += 1
        else:
            result.expectations_unmet.append(f"{doc.path.name}: {ast.unparse(node)[:120]}")


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _equality(node: ast.expr) -> tuple[tuple[str, ...], Any] | None:
    """(('entries', '0', 'title'), 'x') for `entries[0]['title'] == 'x'`, else None."""
    if not (
        isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq)
    ):
        return None
    path: list[str] = []
    target: ast.expr = node.left
    while True:
        if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
            path.append(str(target.slice.value))
            target = target.value
        elif isinstance(target, ast.Attribute):
            path.append(target.attr)
            target = target.value
        elif isinstance(target, ast.Name):
            path.append(target.id)
            break
        else:
            return None
    comparator = node.comparators[0]
    allowed = (ast.Constant, ast.BinOp, ast.Add, ast.Tuple, ast.UnaryOp, ast.USub, ast.Load)
    if not all(isinstance(n, allowed) for n in ast.walk(comparator)):
        return None
    expected = eval(  # only constants and + (checked just above), no names, no builtins
        compile(ast.Expression(comparator), "<expect>", "eval"), {"__builtins__": {}}, {}
    )
    return tuple(reversed(path)), expected


Rule = Callable[[ParsedFeed, Any, Any, str], bool | None]


def _plain(detail: Any, version: str) -> bool:
    return version.startswith("atom") and (detail or {}).get("type") == "text/plain"


def _feed_title(ours: ParsedFeed, expected: Any, oracle: Any, url: str) -> bool | None:
    if not isinstance(expected, str):
        return None
    plain = _plain(oracle.feed.get("title_detail"), oracle.get("version", ""))
    return ours.title == title_text(as_text(expected, plain=plain))


def _feed_link(ours: ParsedFeed, expected: Any, oracle: Any, url: str) -> bool | None:
    return ours.link == (expected or None) if isinstance(expected, str) else None


def _entry(ours: ParsedFeed) -> Any:
    return ours.items[0] if ours.items else None


def _entry_text(key: str) -> Rule:
    def rule(ours: ParsedFeed, expected: Any, oracle: Any, url: str) -> bool | None:
        if not isinstance(expected, str) or not oracle.entries:
            return None
        item = _entry(ours)
        entry = oracle.entries[0]
        if key == "title":
            plain = _plain(entry.get("title_detail"), oracle.get("version", ""))
            return item is not None and item.title == title_text(as_text(expected, plain=plain))
        if key == "content":
            if len(entry.get("content", [])) != 1:
                return None
            plain = _plain(entry["content"][0], oracle.get("version", ""))
            return item is not None and item.content == as_text(expected, plain=plain)
        detail = entry.get("summary_detail") or (entry.get("content") or [None])[0]
        plain = _plain(detail, oracle.get("version", ""))
        return item is not None and item.summary == as_text(expected, plain=plain)

    return rule


def _entry_link(ours: ParsedFeed, expected: Any, oracle: Any, url: str) -> bool | None:
    if not isinstance(expected, str):
        return None
    item = _entry(ours)
    return item is not None and item.link == resolve_link(url, expected)


def _entry_id(ours: ParsedFeed, expected: Any, oracle: Any, url: str) -> bool | None:
    if not isinstance(expected, str):
        return None
    item = _entry(ours)
    return item is not None and item.guid == (expected.strip() or None)


def _entry_author(ours: ParsedFeed, expected: Any, oracle: Any, url: str) -> bool | None:
    if not isinstance(expected, str):
        return None
    item = _entry(ours)
    return item is not None and item.author == (expected.strip() or None)


def _entry_date(ours: ParsedFeed, expected: Any, oracle: Any, url: str) -> bool | None:
    if not isinstance(expected, tuple) or len(expected) < 6:
        return None
    item = _entry(ours)
    wanted = datetime.fromtimestamp(calendar.timegm((*expected[:6], 0, 0, 0)), UTC)
    return item is not None and item.published == wanted and not item.published_is_fallback


_RULES: dict[tuple[str, ...], Rule] = {
    ("feed", "title"): _feed_title,
    ("feed", "title_detail", "value"): _feed_title,
    ("feed", "link"): _feed_link,
    ("entries", "0", "title"): _entry_text("title"),
    ("entries", "0", "title_detail", "value"): _entry_text("title"),
    ("entries", "0", "summary"): _entry_text("summary"),
    ("entries", "0", "description"): _entry_text("summary"),
    ("entries", "0", "content", "0", "value"): _entry_text("content"),
    ("entries", "0", "link"): _entry_link,
    ("entries", "0", "id"): _entry_id,
    ("entries", "0", "guid"): _entry_id,
    ("entries", "0", "author"): _entry_author,
    ("entries", "0", "published_parsed"): _entry_date,
}
