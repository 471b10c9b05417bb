"""The SQLite store on real files: schema, WAL, search safety, outbox, idempotent writes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import SearchQueryError, StoreError
from bot.store import Store

NOW = datetime(2025, 11, 5, 12, 0, tzinfo=UTC)


def _article(aid: str, title: str, body: str) -> dict[str, object]:
    return {"id": aid, "kind": "feed", "title": title, "body": body, "seen_at": NOW.isoformat()}


def test_open_creates_file_with_wal_and_migrations(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "bot.db"
    store = Store.open(path)
    assert path.exists()
    assert store.journal_mode() == "wal"
    tables = set(store.db.table_names())
    assert {"feeds", "articles", "claims", "stories", "outbox", "articles_fts"} <= tables
    first = store.db.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0]
    store.close()
    # Opening again applies nothing twice.
    again = Store.open(path)
    applied = again.db.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0]
    assert applied == first >= 1
    again.close()


def test_open_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(
        StoreError,
        match=r"cannot open .*junk.db: corrupt \(file is not a database\); restore a backup",
    ):
        Store.open(path)


def test_search_ranks_title_matches_first(store: Store) -> None:
    store.save_article(_article("a", "Weather report", "Sora is mentioned in passing here."))
    store.save_article(_article("b", "Sora 2 training dispute", "Publishers object."))
    hits = store.search("Sora")
    assert [h.article_id for h in hits] == ["b", "a"]
    assert "**Sora**" in hits[1].snippet


@pytest.mark.parametrize("query", ['"', "AND OR (", "NOT", "*", "a:b", "NEAR(x y)", "'); DROP"])
def test_hostile_queries_never_raise_sqlite_errors(store: Store, query: str) -> None:
    store.save_article(_article("a", "Getty v. Stability", "The ruling came in London."))
    try:
        hits = store.search(query)
    except SearchQueryError as exc:
        assert "word" in str(exc)
    else:
        assert hits == []


def test_operators_are_searched_as_words(store: Store) -> None:
    store.save_article(_article("a", "Cats AND dogs", "text"))
    assert [h.article_id for h in store.search("and")] == ["a"]


def test_overlong_query_is_refused_clearly(store: Store) -> None:
    with pytest.raises(SearchQueryError, match="too long"):
        store.search("x" * 10_000)


def test_claims_replace_and_round_trip(store: Store) -> None:
    store.save_article(_article("a", "t", "b"))
    store.save_claims("a", [{"text": "one", "entities": ["OpenAI"], "numbers": ["20"]}])
    store.save_claims("a", [{"text": "two", "novel": False, "seen_in": "seed.txt"}])
    claims = store.claims_of("a")
    assert [(c.text, c.novel, c.seen_in) for c in claims] == [("two", False, "seed.txt")]


def test_outbox_queues_once_per_alert_and_destination(store: Store) -> None:
    store.save_article(_article("a", "t", "b"))
    for _ in range(2):
        store.enqueue(
            kind="alert", article_id="a", destination="console", payload={"x": 1}, now=NOW
        )
    store.enqueue(kind="alert", article_id="a", destination="discord", payload={"x": 1}, now=NOW)
    assert store.outbox_length() == 2
    due = store.due_messages("console", NOW)
    assert len(due) == 1 and due[0]["payload"] == {"x": 1}
    store.mark_retry(due[0]["id"], "HTTP 500", NOW + timedelta(minutes=1))
    assert store.due_messages("console", NOW) == []
    later = store.due_messages("console", NOW + timedelta(minutes=2))
    assert later[0]["attempts"] == 1 and later[0]["last_error"] == "HTTP 500"
    store.mark_sent(later[0]["id"], NOW, "msg-1")
    assert store.outbox_length("console") == 0


def test_transaction_rolls_back_everything(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.save_article(_article("a", "t", "b"))
        raise RuntimeError("crash mid-write")
    assert not store.has_article("a")


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.enqueue(kind="notice", destination="console", payload={}, now=datetime(2025, 1, 1))


def test_database_is_a_plain_sqlite_file(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "x.db")
    store.save_article(_article("a", "t", "b"))
    store.close()
    with sqlite3.connect(tmp_path / "x.db") as conn:
        assert conn.execute("SELECT title FROM articles").fetchone() == ("t",)
