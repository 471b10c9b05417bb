"""Compatibility import for tooling: the text helpers now live in tokens.py, entities.py and
similarity.py. Only `clean` is re-exported here, for bot/evaluation/fit.py."""

from __future__ import annotations

from bot.analysis.tokens import clean

__all__ = ["clean"]
