"""Parts of Japanese compound words in search (the bigram columns of bot/store/search_ja.py),
over a real SQLite store and a database upgraded from the index without them; texts we wrote."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from bot.analysis.japanese import spaced
from bot.store import Store
from bot.store.migrations import build_migrations
from bot.store.search_ja import grams, japanese_match
from tests.test_search_ja import _row

PRESS = (
    "読売新聞社は11月5日、記事を無断で使われたとして、検索サービスを運営する米国の企業を"
    "東京地裁に訴えたと発表した。"
)
WEATHER = "気象庁によると、週末は関東地方の広い範囲で雨が降り、気温も平年より低くなる見込みだ。"


def _ids(store: Store, query: str) -> list[str]:
    return [h.article_id for h in store.search(query)]


def test_grams_pair_the_characters_of_each_japanese_run() -> None:
    assert grams("読売新聞社はAI企業を") == "読売 売新 新聞 聞社 社は AI 企業 業を"
    assert grams("A社、ＯｐｅｎＡＩ") == "A 社 OpenAI"  # a lone character as itself; NFKC
    assert grams("ソニー・ミュージック") == "ソニ ニー ミュ ュー ージ ジッ ック"


def test_a_part_of_a_compound_finds_the_article(store: Store) -> None:
    assert spaced("読売新聞社").split() == ["読売新聞社"]  # one word to the dictionary
    store.save_articles(
        [_row("ja1", "ja", "米企業を提訴", PRESS), _row("ja2", "ja", "週末は雨", WEATHER)]
    )
    for query in ("読売", "読売新聞", "読売新聞社", "Yomiuri", "新聞", "新聞社 東京地裁"):
        assert _ids(store, query) == ["ja1"], query
    assert _ids(store, "気温") == ["ja2"]
    # a phrase of bigrams, not any of them: 読売 and 聞社 are in the text, 読売社 is not
    assert _ids(store, "読売社") == []
    assert _ids(store, "読売 気温") == []  # every part of the query is required
    (hit,) = store.search("読売")
    assert "**読売**" in hit.snippet and " " not in hit.snippet.replace("…", "")


def test_a_japanese_query_is_a_phrase_of_words_or_of_bigrams() -> None:
    assert japanese_match("読売新聞 OpenAI") == (
        '({title body names} : "読売新聞" OR {title_grams body_grams} : "読売 売新 新聞")'
        ' AND {title body names} : "OpenAI"'
    )


def _before_compounds(path: Path) -> None:
    """A database as the code before the bigram columns left it: one Japanese article,
    indexed as that code indexed it, whose body retention has since cleared."""
    migrations = build_migrations()
    (name,) = [
        m.name
        for m in migrations.pending(Database(memory=True))
        if m.name.endswith("_search_ja_compounds")
    ]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        db = Database(conn)
        migrations.apply(db, stop_before=name)
        db.execute(
            "INSERT INTO articles (id, kind, seen_at, status, title, language) VALUES"
            " ('ja1', 'feed', '2026-11-30T10:00:00+00:00', 'alerted', '米企業を提訴', 'ja')"
        )
        db.execute(
            "INSERT INTO articles_ja_fts(article_id, title, body, names) VALUES (?, ?, ?, ?)",
            ["ja1", spaced("米企業を提訴"), spaced(PRESS), "Yomiuri Shimbun"],
        )
    finally:
        conn.close()


def test_an_upgraded_database_finds_parts_of_compounds(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    _before_compounds(path)
    store = Store.open(path)
    try:
        for query in ("読売", "読売新聞", "読売新聞社", "Yomiuri", "提訴"):
            assert _ids(store, query) == ["ja1"], query
        assert _ids(store, "気温") == []
        # saved again after the upgrade, it is indexed once, with its bigrams
        store.save_article(_row("ja1", "ja", "米企業を提訴", PRESS))
        assert _ids(store, "読売") == ["ja1"]
        count = store.db.execute("SELECT count(*) FROM articles_ja_fts").fetchone()[0]
        assert count == 1
    finally:
        store.close()
