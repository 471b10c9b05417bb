"""Article search on real SQLite files: ranking, paging, snippets, and an index that always
agrees with the articles table (deletes, cleared bodies, rolled-back and killed writes)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils.db import Table

from bot.errors import SearchQueryError
from bot.store import Store
from bot.store import search as search_module
from tests.conftest import REPO

NOW = datetime(2025, 11, 5, 12, 0, tzinfo=UTC).isoformat()


def _article(aid: str, title: str, body: str | None) -> dict[str, object]:
    return {"id": aid, "kind": "feed", "title": title, "body": body, "seen_at": NOW}


def _ids(store: Store, query: str, **kw: int) -> list[str]:
    return [h.article_id for h in store.search(query, **kw)]


def _index_agrees(store: Store) -> None:
    """FTS5's own check of both indexes against the articles table (rank 1: every row of
    the table is indexed as it is, and nothing else)."""
    for table in ("articles_fts", "articles_title_fts"):
        store.db.execute(f"INSERT INTO {table}({table}, rank) VALUES('integrity-check', 1)")


@pytest.fixture
def filed(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "bot.db")
    yield store
    store.close()


def test_a_title_match_comes_before_body_matches_however_often(filed: Store) -> None:
    filed.save_article(_article("body", "Weather", "Getty Getty Getty Getty and Getty again."))
    filed.save_article(_article("title", "Getty sues", "A long body " + "word " * 200))
    filed.save_article(_article("none", "Weather", "nothing here"))
    assert _ids(filed, "getty") == ["title", "body"]


def test_scores_are_fts5_bm25_with_the_title_weighing_ten_times(filed: Store) -> None:
    bodies = ["alpha beta gamma", "alpha alpha delta", "beta beta beta alpha", "gamma"]
    for i, body in enumerate(bodies):
        filed.save_article(_article(f"a{i}", "alpha news" if i == 3 else "news", body))
    ours = {h.article_id: h.rank for h in filed.search("alpha beta", limit=10)}
    fts5 = dict(
        filed.db.execute(
            "SELECT a.id, bm25(articles_fts, 10.0, 1.0) FROM articles_fts"
            " JOIN articles a ON a.rowid = articles_fts.rowid"
            ' WHERE articles_fts MATCH \'"alpha" "beta"\''
        ).fetchall()
    )
    assert ours.keys() == fts5.keys() == {"a0", "a2"}
    for aid, score in fts5.items():
        assert ours[aid] == pytest.approx(score, rel=1e-9)


def test_pages_follow_each_other_without_repeats(filed: Store) -> None:
    for i in range(13):
        filed.save_article(_article(f"a{i:02}", f"Report {i}", "licensing " * (1 + i % 4)))
    pages = [_ids(filed, "licensing", limit=5, offset=o) for o in (0, 5, 10, 15)]
    assert [len(p) for p in pages] == [5, 5, 3, 0]
    everything = [a for p in pages for a in p]
    assert sorted(everything) == [f"a{i:02}" for i in range(13)]
    assert everything == _ids(filed, "licensing", limit=20)


def test_snippets_mark_the_words_and_fall_back_to_the_title(filed: Store) -> None:
    filed.save_article(_article("a", "Court ruling", "The court ruled on the scraping case."))
    filed.save_article(_article("b", "Scraping fight", None))
    hits = {h.article_id: h.snippet for h in filed.search("scraping")}
    assert "**scraping**" in hits["a"]
    assert hits["b"] == "**Scraping** fight"


def test_only_the_newest_matches_are_ranked_but_title_matches_come_from_any_time(
    filed: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "BODY_CANDIDATES", 3)
    monkeypatch.setattr(search_module, "TITLE_CANDIDATES", 2)
    filed.save_article(_article("old-title", "Sora lawsuit", "first"))
    for i in range(8):
        filed.save_article(_article(f"b{i}", "Weather", f"sora mention {i}"))
    found = _ids(filed, "sora", limit=20)
    assert found[0] == "old-title"
    assert found[1:] == ["b7", "b6", "b5"]  # equal scores: newest first


def test_a_deleted_article_is_never_found(filed: Store) -> None:
    filed.save_article(_article("a", "Getty v. Stability", "The ruling came in London."))
    filed.save_article(_article("b", "Getty appeal", "London again."))
    filed.db.execute("DELETE FROM articles WHERE id = 'a'")
    assert _ids(filed, "getty london") == ["b"]
    assert _ids(filed, "ruling") == []
    _index_agrees(filed)


def test_clearing_a_body_keeps_the_index_right(filed: Store) -> None:
    filed.save_article(_article("a", "Getty v. Stability", "Photographers in London."))
    filed.db.execute("UPDATE articles SET body = NULL WHERE id = 'a'")
    assert _ids(filed, "photographers") == []
    assert _ids(filed, "getty") == ["a"]
    _index_agrees(filed)
    # An update of other columns leaves the index alone, and right.
    filed.db.execute("UPDATE articles SET status = 'recorded' WHERE id = 'a'")
    filed.db.execute("UPDATE articles SET title = 'Stability appeal' WHERE id = 'a'")
    assert _ids(filed, "getty") == []
    assert _ids(filed, "appeal") == ["a"]
    _index_agrees(filed)


def test_an_upsert_with_a_new_body_reindexes_it(filed: Store) -> None:
    filed.save_articles([_article("a", "Teaser", "short teaser")])
    filed.save_articles([_article("a", "Teaser", "the full text about licensing")])
    assert _ids(filed, "licensing") == ["a"]
    assert _ids(filed, "short") == []
    _index_agrees(filed)


def test_a_batch_of_new_stored_and_repeated_rows_is_indexed_as_the_table_says(
    filed: Store,
) -> None:
    """save_articles indexes its new rows with one statement per index, in its transaction;
    stored rows and a repeated id go through the update triggers."""
    filed.save_articles([_article("old", "Teaser", "short teaser")])
    filed.save_articles(
        [
            _article("n1", "Getty v. Stability", "Photographers in London."),
            _article("old", "Teaser", "the full text about licensing"),
            _article("n2", "Licensing deal", "A publisher signs."),
            _article("n1", "Getty appeal", "Photographers in Leeds."),
            {**_article("n3", "Third", "the third one"), "source": "a source"},
        ]
    )
    assert _ids(filed, "licensing") == ["n2", "old"]
    assert _ids(filed, "teaser short") == []
    assert _ids(filed, "getty leeds") == ["n1"]
    assert _ids(filed, "london") == []
    assert _ids(filed, "third") == ["n3"]
    assert filed.db.execute("SELECT COUNT(*) FROM search_index_deferred").fetchone()[0] == 0
    _index_agrees(filed)


def test_a_failed_batch_leaves_the_trigger_indexing_other_writes(filed: Store) -> None:
    """A row the table refuses rolls the whole batch back, the deferral with it: a row
    written any other way afterwards is indexed by the trigger."""
    with pytest.raises(sqlite3.IntegrityError):
        filed.save_articles(
            [_article("a", "Getty", "licensing"), {**_article("b", "B", "x"), "kind": None}]
        )
    assert filed.count("articles") == 0
    assert filed.db.execute("SELECT COUNT(*) FROM search_index_deferred").fetchone()[0] == 0
    filed.db.execute(
        "INSERT INTO articles (id, kind, title, body, seen_at) VALUES (?, ?, ?, ?, ?)",
        ["c", "feed", "Licensing talks", "by hand", NOW],
    )
    assert _ids(filed, "licensing") == ["c"]
    _index_agrees(filed)


def test_a_rolled_back_write_leaves_no_trace_in_the_index(filed: Store) -> None:
    filed.save_article(_article("kept", "Kept", "licensing"))
    with pytest.raises(RuntimeError), filed.transaction():
        filed.save_article(_article("lost", "Lost", "licensing"))
        filed.db.execute("DELETE FROM articles WHERE id = 'kept'")
        raise RuntimeError("crash")
    assert _ids(filed, "licensing") == ["kept"]
    _index_agrees(filed)


def test_a_killed_writer_leaves_table_and_index_agreeing(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    child = textwrap.dedent(
        f"""
        import os, signal
        from bot.store import Store
        store = Store.open({str(path)!r})
        row = dict(kind="feed", seen_at="2025-11-05T12:00:00+00:00")
        store.save_article(dict(row, id="kept", title="Kept", body="licensing deal"))
        with store.transaction():
            store.save_article(dict(row, id="half", title="Half", body="licensing deal"))
            store.db.execute("DELETE FROM articles WHERE id = 'kept'")
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", child], cwd=REPO, check=False)
    assert done.returncode == -signal.SIGKILL
    store = Store.open(path)
    try:
        assert _ids(store, "licensing") == ["kept"]
        _index_agrees(store)
    finally:
        store.close()


def test_the_index_is_rebuilt_from_the_table(filed: Store) -> None:
    filed.save_article(_article("a", "Getty", "photographers"))
    for table in ("articles_fts", "articles_title_fts"):
        filed.db.execute(f"INSERT INTO {table}({table}) VALUES('delete-all')")
    assert _ids(filed, "getty") == []
    for table in ("articles_fts", "articles_title_fts"):
        filed.db.execute(f"INSERT INTO {table}({table}) VALUES('rebuild')")
    assert _ids(filed, "getty photographers") == ["a"]
    _index_agrees(filed)


def test_candidate_sources_can_be_added(filed: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second index (another language) offers its candidates beside the two of ours."""
    filed.save_article(_article("a", "Weather", "licensing"))
    filed.save_article(_article("b", "Weather", "licensing"))
    extra = search_module.Candidate(1, 0)  # say another index finds "a" in its title
    sources = (*search_module.article_sources(), lambda conn, words: [extra])
    monkeypatch.setattr(search_module, "article_sources", lambda: sources)
    assert _ids(filed, "licensing") == ["a", "b"]


def test_varints_read_as_sqlite_writes_them() -> None:
    assert search_module._varints(bytes([0x05, 0x81, 0x00, 0xFF, 0x7F])) == [5, 128, 16383]


def test_sqlite_utils_and_datasette_find_the_articles_index(filed: Store) -> None:
    """The index's content is the view of the bodies as text (m050): found for the view the
    way sqlite-utils and Datasette look (content="..."), for the table by the archive's
    metadata (tests/test_docker_files.py)."""
    assert Table(filed.db, "articles_text").detect_fts() == "articles_fts"


def test_a_short_word_counts_only_itself(filed: Store) -> None:
    filed.save_article(_article("aid", "Weather", "AI rules: aid, air, aim, aid and ai."))
    filed.save_article(_article("ai", "Weather", "AI rules: AI AI and more AI."))
    hits = filed.search("ai")
    assert [h.article_id for h in hits] == ["ai", "aid"]
    assert "**aid**" not in hits[1].snippet and "**AI**" in hits[1].snippet


def test_words_the_tokenizer_splits_are_searched_as_separate_words(filed: Store) -> None:
    """The index keeps no positions (m048, detail=none), so a quoted group of two tokens (a
    phrase) could not be answered: "don't" and "robots_txt" are asked as their tokens."""
    filed.save_article(_article("a", "Crawler news", "Publishers don't like robots_txt rules"))
    filed.save_article(_article("b", "Crawler news", "Publishers like the rules"))
    assert _ids(filed, "don't") == ["a"]
    assert _ids(filed, "robots_txt") == ["a"]
    assert _ids(filed, "robots txt") == ["a"]
    sql = filed.db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()
    assert "detail=none" in sql[0]
    with pytest.raises(SearchQueryError):
        filed.search("___")
