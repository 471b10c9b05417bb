"""The seed loader: our distilled corpus, raw article folders, and clear errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import SeedError
from bot.seeds import load_seed, load_seeds
from tests.conftest import REPO, shared_dir


def test_project_seeds_are_five_distilled_articles() -> None:
    seeds = load_seeds(REPO / "seeds")
    assert len(seeds) == 5
    assert all(s.distilled and len(s.claims) >= 5 for s in seeds)
    assert next(s.id for s in seeds) == "000_296b9c6e5f52e666.txt"
    dated = [s for s in seeds if s.published]
    assert dated and dated[0].published == datetime(2025, 11, 4, tzinfo=UTC)
    text = " ".join(c for s in seeds for c in s.claims)
    for name in ("OpenAI", "Sora", "Studio Ghibli", "Content Overseas Distribution Association"):
        assert name in text


def test_shared_raw_seed_texts_load_as_articles() -> None:
    seeds = load_seeds(shared_dir("seeds"))
    assert len(seeds) == 5
    assert all(not s.distilled and len(s.text) > 500 for s in seeds)
    assert seeds[0].id.endswith(".txt")
    assert seeds[0].title and "Ghibli" in seeds[0].title


def test_raw_text_with_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text(
        "---\ntitle: A court rules\npublisher: Example News\ndate: 2025-06-23\n---\n"
        "A judge ruled on Monday that training was fair use.\n"
    )
    seed = load_seed(path)
    assert seed.title == "A court rules" and seed.publisher == "Example News"
    assert seed.published == datetime(2025, 6, 23, tzinfo=UTC)
    assert seed.id == "story.md" and not seed.distilled


def test_headline_is_taken_from_first_line(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("Authors sue a model maker\n\nThe authors filed suit on Tuesday.\n")
    assert load_seed(path).title == "Authors sue a model maker"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no text"),
        (b"---\ntitle: x\n", "never closed"),
        (b"---\ntitle: [unclosed\n---\nbody\n", "not valid YAML"),
        (b"---\nauthor: me\n---\nbody\n", "unknown front matter key 'author'"),
        (b"---\ndate: yesterday\n---\nbody\n", "not an ISO date"),
        (b"---\nkind: claims\n---\nnot a bullet\n", "every line must be a '- ' bullet"),
        (b"---\nkind: essay\n---\nbody\n", "kind must be 'claims'"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"---\n- a\n- b\n---\nbody\n", "key: value pairs"),
    ],
)
def test_bad_seed_files_name_file_and_problem(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(content)
    with pytest.raises(SeedError) as info:
        load_seed(path)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_folder_problems(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="seed folder not found"):
        load_seeds(tmp_path / "missing")
    (tmp_path / "README.md").write_text("docs only")
    with pytest.raises(SeedError, match="no seed files"):
        load_seeds(tmp_path)
    (tmp_path / "a.md").write_text("---\nseed_id: same\n---\nText one.\n")
    (tmp_path / "b.md").write_text("---\nseed_id: same\n---\nText two.\n")
    with pytest.raises(SeedError, match=r"seed_id 'same' is also used by a\.md"):
        load_seeds(tmp_path)
