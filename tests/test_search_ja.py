"""Japanese articles in search, `/news why`, `/news article`, `/news status` and alerts, over a
real SQLite store, with texts we wrote."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.chat.commands import Commands
from bot.chat.console import render_alert_text
from bot.chat.view import alert_view
from bot.models import Alert, Claim
from bot.store import Store
from tests.chat.test_view import _discord, _slack

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
BODY = (
    "集英社は10月31日、生成AIによる権利侵害について声明を発表した。"
    "作品を無断で学習に使うことは認められないとしている。"
)


def _row(aid: str, language: str, title: str, body: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": aid,
        "kind": "feed",
        "url": f"https://news.example/{aid}",
        "title": title,
        "source": "Example",
        "seen_at": NOW.isoformat(),
        "body": body,
        "status": "alerted",
        "reason": "on topic",
        "relevance": 0.9,
        "language": language,
        "verdict": json.dumps({"summary": "s", "claims": [], "signals": []}),
        **extra,
    }


def _stored(store: Store) -> None:
    store.save_articles(
        [
            _row("ja1", "ja", "集英社が生成AIに声明", BODY),
            _row("en1", "en", "Shueisha issues statement", "Shueisha said on Friday ..."),
            _row(
                "de1",
                "de",
                "Verlag klagt",
                "Der Verlag klagt.",
                status="not_relevant",
                reason="not analysed: language German, neither English nor Japanese",
            ),
        ]
    )


def test_search_finds_japanese_articles_by_a_japanese_word(store: Store) -> None:
    _stored(store)
    hits = store.search("声明")
    assert [h.article_id for h in hits] == ["ja1"]
    assert "**声明**" in hits[0].snippet and " " not in hits[0].snippet.replace("…", "")
    assert [h.article_id for h in store.search("無断 学習")] == ["ja1"]
    assert store.search("契約") == []


def test_search_finds_japanese_articles_by_the_english_name_of_a_party(store: Store) -> None:
    _stored(store)
    found = {h.article_id for h in store.search("Shueisha")}
    assert found == {"ja1", "en1"}


def test_a_japanese_article_saved_again_is_indexed_once(store: Store) -> None:
    _stored(store)
    store.save_article(_row("ja1", "ja", "集英社が生成AIに声明", BODY))
    assert [h.article_id for h in store.search("声明")] == ["ja1"]


def test_why_article_and_status_name_the_language(store: Store) -> None:
    _stored(store)
    commands = Commands(store, lambda: NOW)
    assert dict(commands.why("ja1").facts)["Language"] == "Japanese"
    assert dict(commands.article("ja1").facts)["Language"] == "Japanese"
    german = commands.why("de1")
    assert german.text == "not analysed: language German, neither English nor Japanese"
    assert dict(commands.status().facts)["Languages"] == (
        "English 1, Japanese 1; not analysed: German 1"
    )


def _japanese_alert() -> Alert:
    return Alert(
        article_id="ja1",
        title="集英社が生成AIに声明",
        url="https://news.example/ja1",
        source="Example",
        published=NOW,
        category="demand",
        story="story:x",
        summary="New: 集英社は10月31日、声明を発表した。",
        new_claims=(
            Claim(
                text="集英社は10月31日、生成AIによる権利侵害について声明を発表した。", novel=True
            ),
            Claim(text="関係者は懸念を示している。", novel=True, compared=False),
        ),
        story_title="Shueisha v. OpenAI over Sora",
        language="ja",
        parties=("Shueisha", "OpenAI"),
    )


def test_a_japanese_alert_keeps_its_text_and_says_its_language_and_parties() -> None:
    view = alert_view(_japanese_alert())
    assert view.title == "集英社が生成AIに声明"
    assert view.claims[0].text.startswith("集英社は10月31日") and not view.claims[0].note
    assert view.claims[1].note == "reported in Japanese — not compared with earlier reports"
    assert "in Japanese" in view.facts and "parties: Shueisha, OpenAI" in view.facts
    for text in (render_alert_text(view), _discord(view), _slack(view)):
        assert "in Japanese" in text and "Shueisha, OpenAI" in text
        assert "not compared with earlier reports" in text
        assert "Shueisha v. OpenAI over Sora" in text


def test_an_english_alert_says_no_language() -> None:
    import dataclasses

    view = alert_view(dataclasses.replace(_japanese_alert(), language="en"))
    assert not any(f.startswith(("in ", "parties:")) for f in view.facts)
