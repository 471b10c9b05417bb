"""Shared fixtures: a real SQLite store in a temp folder, the shared data folder, fakes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import Store

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "newsbot.db")
    yield s
    s.close()


def shared_dir(name: str) -> Path:
    """A folder of third-party test material under ../shared, or skip the test."""
    path = SHARED / name
    if not path.is_dir():
        pytest.skip(f"../shared/{name} is absent: third-party test data is read in place only")
    return path
