"""What a /news command answers, as plain values every platform renders: an `Answer`
(title, text, items, paging) or an `error`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """One article (or feed) in an answer. `snippet` may mark matches with **…**."""

    title: str
    url: str | None = None
    meta: str = ""
    text: str = ""
    snippet: str = ""


@dataclass(frozen=True)
class Page:
    """Where a paged answer is: the command's argument, this page (from 1), and more?"""

    query: str
    number: int
    has_next: bool


@dataclass(frozen=True)
class Answer:
    """What a command replies. `error` answers are short and shown only to the asker."""

    title: str
    text: str = ""
    items: tuple[Item, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    page: Page | None = None
    error: bool = False
    public: bool = False  # shown to the channel rather than only to the asker


def error(text: str) -> Answer:
    return Answer(title="Sorry", text=text, error=True)
