"""The SQLite store on real files: schema, WAL, search safety, outbox, idempotent writes."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.analysis.memory import ClaimQuery, MemoryRecord, StoredClaim, StoryQuery
from bot.errors import SearchQueryError, StoreError
from bot.store import Store
from bot.store.known import KnownToStore, PendingRecords

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


def _record(article_id: str, claim: str, **changes: object) -> MemoryRecord:
    record = MemoryRecord(
        article_id=article_id,
        title="Guild sues Acme over books",
        lead=claim,
        published=NOW,
        relevant=True,
        is_seed=False,
        category="lawsuit",
        story="story:guild-acme",
        entities=("Authors Guild", "Acme"),
        terms=("guild", "sues", "acme", "books"),
        claims=(StoredClaim(claim),),
        claim_terms=(tuple(w.strip(".,").lower() for w in claim.split()),),
        story_title="Authors Guild v. Acme",
    )
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


def test_the_analysis_sees_a_batch_before_it_commits_and_once_after(store: Store) -> None:
    """Articles assessed earlier in a batch are pending until its commit: look-ups find them
    (after every stored claim, in their stored story), and once committed, exactly once."""
    store.remember_analysis(_record("a0", "The guild has 9,000 members."))
    pending = PendingRecords()
    known = KnownToStore(store, pending)
    query = ClaimQuery("", ("guild", "sued", "acme", "members"))
    assert [c.source_id for c in known.candidates(query, 5)] == ["a0"]

    pending.add("a1", "https://n.example/a1", _record("a1", "The guild sued Acme on Monday."))
    found = known.candidates(query, 5)
    assert sorted(c.source_id for c in found) == ["a0", "a1"]
    stored, held = sorted(found, key=lambda c: c.seq)
    assert (stored.source_id, held.source_id) == ("a0", "a1")  # pending ones come later
    story = known.stories(["story:guild-acme"])[0]
    assert (story.size, story.first_source, story.title) == (2, "a0", "Authors Guild v. Acme")
    stories = known.story_candidates(StoryQuery(("guild", "acme")), 5)
    assert [s.size for s in stories] == [2]
    assert pending.holds("other-id", "https://n.example/a1")  # the same link, another feed

    with store.transaction():  # the commit, and the pending record dropped with it
        store.remember_analysis(_record("a1", "The guild sued Acme on Monday."))
        pending.discard(["a1"])
    assert sorted(c.source_id for c in known.candidates(query, 5)) == ["a0", "a1"]
    assert known.stories(["story:guild-acme"])[0].size == 2
    assert not pending.holds("a1", "https://n.example/a1") and len(pending) == 0


def test_a_feed_is_found_by_either_url_without_reading_every_feed(store: Store) -> None:
    """Adding, importing or removing a feed looks it up by both its URLs; with 10,000
    feeds a scan of the table per lookup made an import quadratic."""
    for i in range(50):
        store.add_feed(f"https://site{i}.example/feed.xml", now=NOW)
    store.update_feed("https://site7.example/feed.xml", {"fetch_url": "https://new7.example/rss"})
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    found = store.find_feed("https://new7.example/rss")
    store.db.conn.set_trace_callback(None)
    assert found is not None and found.url == "https://site7.example/feed.xml"
    (select,) = [s for s in statements if "fetch_url" in s and s.lstrip()[:6].upper() == "SELECT"]
    plan = " / ".join(r[3] for r in store.db.execute(f"EXPLAIN QUERY PLAN {select}").fetchall())
    assert "SCAN" not in plan and "fetch_url" in plan, plan


def test_pending_urls_are_held_until_the_last_article_with_them_is_dropped() -> None:
    """Two feeds' articles with one link: the link stays pending until both commits land;
    dropping an article without a record keeps the others' records found."""
    pending = PendingRecords()
    pending.add("x1", "https://n.example/same", None)
    pending.add("x2", "https://n.example/same", None)
    pending.add("r1", "https://n.example/r1", _record("r1", "The guild sued Acme on Monday."))
    query = ClaimQuery("", ("guild", "sued", "acme", "members"))
    pending.discard(["x1"])
    assert pending.holds("new-id", "https://n.example/same")
    assert [c.source_id for c in pending.candidates(query, 5)] == ["r1"]
    pending.discard(["x2", "x2"])
    assert not pending.holds("new-id", "https://n.example/same")
    assert pending.holds("new-id", "https://n.example/r1")
    assert [c.source_id for c in pending.candidates(query, 5)] == ["r1"]
    pending.discard(["r1"])
    assert pending.candidates(query, 5) == [] and len(pending) == 0
