"""The real analysis inside a real poll cycle: feed server on 127.0.0.1, SQLite on disk."""

from __future__ import annotations

import io
from pathlib import Path

from bot.app import run_bot
from bot.config import Secrets, parse_config
from bot.store import Store
from tests.conftest import REPO
from tests.feedserver import rss, running_feed_server

RELEVANT = (
    "Novelists sue Acme AI over training on pirated books",
    "https://n.example/acme",
    "The Authors Guild sued Acme AI in a New York federal court on Monday, accusing the "
    "company of training its Quill chatbot on pirated copies of 7,000 novels without "
    "permission. The guild is asking for damages for copyright infringement.",
)
COPY = (
    "Acme AI sued by novelists over pirated books",
    "https://other.example/acme-copy",
    "The Authors Guild sued Acme AI in a New York federal court on Monday, accusing the "
    "company of training its Quill chatbot on pirated copies of 7,000 novels without "
    "permission. The guild is asking for damages for copyright infringement.",
)
OFF_TOPIC = (
    "Chip maker posts record quarter",
    "https://n.example/chips",
    "Nvidia reported record revenue for the quarter as demand for AI chips kept rising.",
)


async def test_poll_cycle_with_the_real_analysis(tmp_path: Path) -> None:
    with running_feed_server() as server:
        url = server.serve("/ai.xml", rss(RELEVANT, COPY, OFF_TOPIC))
        config = parse_config(
            {
                "bot": {"database": str(tmp_path / "db.sqlite"), "seeds_dir": str(REPO / "seeds")},
                "feeds": [{"url": url, "backfill": 5}],
                # The feed server is on 127.0.0.1; the test reaches no other host.
                "fetch": {"allow_private_addresses": True},
                "full_text": {"enabled": False},
            }
        )
        out = io.StringIO()
        code = await run_bot(config, Secrets(), None, once=True, stdout=out)
    assert code == 0
    printed = out.getvalue()
    assert "Novelists sue Acme AI" in printed or "Acme AI sued by novelists" in printed
    assert "Chip maker" not in printed
    store = Store.open(tmp_path / "db.sqlite")
    try:
        rows = {r["title"]: r for r in store.articles(kind="feed")}
        first, copy = rows[RELEVANT[0]], rows[COPY[0]]
        assert first["story_id"] == copy["story_id"] is not None
        statuses = sorted([first["status"], copy["status"]])
        assert statuses == ["alerted", "nothing_new"]  # the copy adds nothing
        assert rows[OFF_TOPIC[0]]["status"] == "not_relevant"
        assert store.count("analysis_members") >= 5 + 2  # seeds and both relevant items
    finally:
        store.close()


JAPANESE = (
    "読売新聞がPerplexityを提訴、著作権侵害を主張",
    "https://ja.example/yomiuri",
    "読売新聞は8月7日、AI検索サービスのPerplexityを東京地裁に提訴し、損害賠償21億7000万円を"
    "求めた。同社の記事が許諾なく生成AIの回答に使われ、著作権を侵害されたと主張している。"
    "報道機関の記事をAIが無断で学習や回答に利用することへの懸念は、国内の新聞社の間で"
    "広がっている。",
)
GERMAN = (
    "Verlag verklagt KI-Firma wegen Trainingsdaten",
    "https://de.example/verlag",
    "Der Verlag verklagt die Firma, weil sie seine Artikel ohne Erlaubnis zum Training ihrer"
    " Modelle genutzt habe. Die Klage wurde am Montag in Hamburg eingereicht.",
)


async def test_a_japanese_article_through_the_whole_bot(tmp_path: Path) -> None:
    """A Japanese feed item in a real poll: analysed (not dropped), its language stored,
    found by a Japanese word and by a party's English name, alerted with its original
    title, its language and its parties in English; a German one keeps its reason."""
    with running_feed_server() as server:
        url = server.serve("/ja.xml", rss(JAPANESE, GERMAN))
        config = parse_config(
            {
                "bot": {"database": str(tmp_path / "db.sqlite"), "seeds_dir": str(REPO / "seeds")},
                "feeds": [{"url": url, "backfill": 5}],
                "fetch": {"allow_private_addresses": True},
                "full_text": {"enabled": False},
            }
        )
        out = io.StringIO()
        code = await run_bot(config, Secrets(), None, once=True, stdout=out)
    assert code == 0
    printed = out.getvalue()
    assert JAPANESE[0] in printed and "in Japanese" in printed and "Yomiuri Shimbun" in printed
    assert GERMAN[0] not in printed
    store = Store.open(tmp_path / "db.sqlite")
    try:
        rows = {r["title"]: r for r in store.articles(kind="feed")}
        ja, de = rows[JAPANESE[0]], rows[GERMAN[0]]
        assert (ja["language"], ja["status"]) == ("ja", "alerted")
        assert de["language"] == "de" and de["status"] == "not_relevant"
        assert de["reason"] == "not analysed: language German, neither English nor Japanese"
        for query in ("提訴", "Yomiuri", "Perplexity"):
            assert ja["id"] in [h.article_id for h in store.search(query)], query
    finally:
        store.close()
