"""The labelled streams of an eval folder (../shared/eval-dev schema), read in place.

A stream is one `NAME.jsonl` file; its articles arrive in file order after the seeds. A
language suffix names the stream's language (`stream-ja.jsonl`: Japanese); the streams of the
languages the analysis reads (English and Japanese) are its folds, others are left out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_LANGUAGE_SUFFIX = re.compile(r"-([a-z]{2})$")
ANALYSED_LANGUAGES = ("en", "ja")
ARTICLE_FIELDS = ("id", "title", "url", "source", "published", "text")


class StreamError(ValueError):
    """A labelled file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Stream:
    name: str
    path: Path
    labels: tuple[dict[str, Any], ...]

    def input_lines(self) -> list[str]:
        """The stream as `analyze` input: the article fields only, never the labels."""
        return [
            json.dumps({k: r.get(k) for k in ARTICLE_FIELDS}, ensure_ascii=False)
            for r in self.labels
        ]


def is_english(path: Path) -> bool:
    m = _LANGUAGE_SUFFIX.search(path.stem)
    return m is None or m.group(1) == "en"


def read_stream(path: Path) -> Stream:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise StreamError(f"cannot read {path}: {exc}") from None
    labels: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise StreamError(f"{path}: line {number}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict) or "id" not in record or "relevant" not in record:
            raise StreamError(f"{path}: line {number}: not a labelled article (id, relevant)")
        labels.append(record)
    return Stream(path.stem, path, tuple(labels))


def is_analysed(path: Path) -> bool:
    """A stream in a language the analysis reads: English (no suffix, or `-en`) or Japanese."""
    m = _LANGUAGE_SUFFIX.search(path.stem)
    return m is None or m.group(1) in ANALYSED_LANGUAGES


def eval_streams(folder: Path) -> list[Stream]:
    """Every stream of `folder` in a language the analysis reads, in name order: the folds."""
    if not folder.is_dir():
        raise StreamError(f"no eval folder at {folder}")
    paths = sorted(p for p in folder.glob("*.jsonl") if is_analysed(p))
    if not paths:
        raise StreamError(f"no streams (*.jsonl) in {folder}")
    return [read_stream(p) for p in paths]


def english_streams(folder: Path) -> list[Stream]:
    """Every English stream of `folder`, in name order."""
    if not folder.is_dir():
        raise StreamError(f"no eval folder at {folder}")
    paths = sorted(p for p in folder.glob("*.jsonl") if is_english(p))
    if not paths:
        raise StreamError(f"no English streams (*.jsonl) in {folder}")
    return [read_stream(p) for p in paths]
