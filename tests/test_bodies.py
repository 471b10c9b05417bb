"""Packed article bodies (bot/store/bodies.py, m050) on a real SQLite file: stored
compressed, read back as text by every reader, and the search index always agrees."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store import Store
from bot.store.bodies import PACK_FROM, pack, unpack

NOW = datetime(2025, 11, 5, 12, 0, tzinfo=UTC).isoformat()
LONG = "The publishers told the court how the training data was gathered. " * 12


def _row(aid: str, body: str | None, title: str = "Court news") -> dict[str, object]:
    return {"id": aid, "kind": "feed", "title": title, "body": pack(body), "seen_at": NOW}


def _index_agrees(store: Store) -> None:
    for table in ("articles_fts", "articles_title_fts"):
        store.db.execute(f"INSERT INTO {table}({table}, rank) VALUES('integrity-check', 1)")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store.open(tmp_path / "bot.db")
    yield opened
    opened.close()


def test_a_long_body_is_packed_to_less_than_half_and_read_back_exactly() -> None:
    text = LONG + " 東京地裁 ünïcode"
    packed = pack(text)
    assert isinstance(packed, bytes) and len(packed) < len(text.encode()) / 2
    assert unpack(packed) == text


def test_a_short_body_and_none_stay_as_they_are() -> None:
    short = "x" * (PACK_FROM - 1)
    assert pack(short) == short and unpack(short) == short
    assert pack(None) is None and unpack(None) is None


def test_packed_bodies_are_stored_as_blobs_and_every_reader_gets_text(store: Store) -> None:
    store.save_articles([_row("a", LONG + " quokka"), _row("b", "short body quokka")])
    kinds = dict(store.db.execute("SELECT id, typeof(body) FROM articles").fetchall())
    assert kinds == {"a": "blob", "b": "text"}
    assert (store.get_article("a") or {})["body"] == LONG + " quokka"
    assert {r["id"]: r["body"] for r in store.articles()}["a"] == LONG + " quokka"
    hits = store.search("quokka")
    assert {h.article_id for h in hits} == {"a", "b"}
    assert all("**quokka**" in h.snippet for h in hits)
    assert [h.article_id for h in store.search("gathered")] == ["a"]
    _index_agrees(store)


def test_the_index_follows_packed_bodies_through_every_write(store: Store) -> None:
    store.save_article(_row("a", LONG + " wombat"))  # one row: the insert trigger
    store.save_articles([_row("b", LONG + " wombat")])  # the batched index write
    store.save_article(_row("a", LONG + " numbat"))  # the update trigger
    assert [h.article_id for h in store.search("wombat")] == ["b"]
    store.db.execute("UPDATE articles SET body = NULL WHERE id = 'b'")  # as retention does
    assert store.search("wombat") == []
    store.db.execute("DELETE FROM articles WHERE id = 'a'")
    assert store.search("numbat") == []
    _index_agrees(store)


def test_rebuilding_the_index_reads_the_text_of_packed_bodies(store: Store) -> None:
    store.save_articles([_row("a", LONG + " dingo")])
    store.db.execute("INSERT INTO articles_fts(articles_fts) VALUES('delete-all')")
    assert store.search("dingo") == []
    store.db.execute("INSERT INTO articles_fts(articles_fts) VALUES('rebuild')")
    assert [h.article_id for h in store.search("dingo")] == ["a"]
    _index_agrees(store)


def test_a_feed_items_body_is_packed_where_it_is_parsed_and_stored_as_packed_there() -> None:
    import dataclasses

    from bot.feeds.new_items import article_of
    from bot.feeds.parse_pool import parse_with_links
    from bot.models import Feed
    from bot.store.rows import article_row

    item_xml = (
        "<item><title>One</title><link>https://news.example/a</link>"
        f"<description>{LONG}</description></item>"
    )
    body = f'<rss version="2.0"><channel><title>T</title>{item_xml}</channel></rss>'
    when = datetime(2025, 11, 5, 12, 0, tzinfo=UTC)
    (item,) = parse_with_links(
        body.encode(), url="https://feed.example/rss", headers={}, fetched_at=when
    ).items
    assert item.stored_text is not None
    text, packed = item.stored_text
    article = article_of("a1", item, Feed(url="https://feed.example/rss"))
    assert article.text == text and isinstance(packed, bytes) and unpack(packed) == text
    assert article_row(article, when)["body"] is packed  # not packed a second time
    # a full page read replaces the text: that text is what is stored, never the feed's
    page = dataclasses.replace(article, text=LONG + " The full page says more.")
    assert unpack(article_row(page, when)["body"]) == page.text
