"""Benchmark: rendering alerts (hostile, oversized text) as console text, Discord embeds and
Slack Block Kit, in the same run.

Prints one JSON line: alerts rendered per second by each renderer, the ratios, and the
largest Slack message seen (blocks, characters), which must stay inside Slack's limits.
Run: .venv/bin/python bench/render.py

With --streams DIR (e.g. ../shared/eval-dev) and --seeds DIR: every stream is run through
`newsbot analyze` from the seeds (read in place), each relevant article with something new
becomes an alert (the supporting quotes found as the pipeline finds them), and the line
gives the median and largest alert length per platform: Discord embed characters, Slack
block text characters, console characters.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.chat.console import render_alert_text
from bot.chat.discord.render import alert_embed
from bot.chat.slack.render import block_chars, render_alert
from bot.chat.view import alert_view
from bot.models import Alert, Claim
from bot.pipeline import supporting_quote

COUNT = 2000


def sample(n: int) -> Alert:
    hostile = "@channel <!everyone> <@U123> <https://evil.example|click> *bold* & " * (n % 7 + 1)
    return Alert(
        article_id=f"a{n}",
        title=f"Case {n}: {hostile}",
        url=f"https://news.example/{n}",
        source="Example",
        published=datetime(2025, 11, 6, tzinfo=UTC),
        category="lawsuit",
        story=f"story-{n % 10}",
        summary="A court heard arguments. " * 40,
        new_claims=tuple(
            Claim(text=f"Claim {i} about training data. " * 5, novel=True, quote="A quote.")
            for i in range(6 + n % 40)
        ),
        known_claims=tuple(
            Claim(text=f"Known claim {i}.", novel=False, seen_in=f"e{i}") for i in range(3)
        ),
        earlier=tuple(f"e{i}" for i in range(4)),
    )


def rate(render: Callable[[Alert], object], alerts: list[Alert]) -> float:
    start = time.perf_counter()
    for alert in alerts:
        render(alert)
    return len(alerts) / (time.perf_counter() - start)


def stream_alerts(streams: Path, seeds: Path) -> list[Alert]:
    """The alerts the eval streams would raise, each stream analysed from the seeds."""
    alerts = []
    for stream in sorted(streams.glob("*.jsonl")):
        done = subprocess.run(
            [sys.executable, "-m", "bot", "analyze", "--seeds", str(seeds), "--input", str(stream)],
            capture_output=True,
            text=True,
            check=True,
        )
        lines = [json.loads(x) for x in stream.read_text(encoding="utf-8").splitlines() if x]
        articles = {str(a["id"]): a for a in lines}
        for line in done.stdout.splitlines():
            verdict = json.loads(line)
            article = articles.get(str(verdict.get("id")))
            if article is None or not (verdict.get("relevant") and verdict.get("novel")):
                continue
            alerts.append(_alert(article, verdict))
    return alerts


def _alert(article: dict[str, object], verdict: dict[str, object]) -> Alert:
    body = str(article.get("text") or "")
    claims = [c for c in verdict["claims"] if isinstance(c, dict)]  # type: ignore[union-attr]
    published = article.get("published")
    return Alert(
        article_id=str(article["id"]),
        title=str(article.get("title") or ""),
        url=str(article.get("url") or "") or None,
        source=str(article.get("source") or "") or None,
        published=datetime.fromisoformat(f"{published}T00:00:00+00:00")
        if isinstance(published, str) and len(published) == 10
        else None,
        category=str(verdict.get("category") or "") or None,
        story=str(verdict.get("story") or "") or None,
        story_title=str(verdict.get("story_title") or "") or None,
        summary=str(verdict.get("summary") or ""),
        new_claims=tuple(
            Claim(text=c["text"], novel=True, quote=supporting_quote(c["text"], body))
            for c in claims
            if c.get("novel")
        ),
        known_claims=tuple(
            Claim(text=c["text"], novel=False, seen_in=c.get("seen_in"))
            for c in claims
            if not c.get("novel")
        ),
    )


def lengths(alerts: list[Alert]) -> dict[str, object]:
    """Median and largest alert length per platform."""
    views = [alert_view(a) for a in alerts]
    sizes = {
        "discord": [len(alert_embed(v, "ref 1")) for v in views],
        "slack": [sum(block_chars(b) for b in render_alert(v, ref="ref 1").blocks) for v in views],
        "console": [len(render_alert_text(v)) for v in views],
    }
    figures: dict[str, object] = {"bench": "render-streams", "alerts": len(alerts)}
    for name, values in sizes.items():
        figures[f"{name}_median"] = round(statistics.median(values)) if values else 0
        figures[f"{name}_max"] = max(values, default=0)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=Path, help="a folder of eval streams (*.jsonl)")
    parser.add_argument("--seeds", type=Path, help="the seed folder (with --streams)")
    args = parser.parse_args()
    if args.streams:
        seeds = args.seeds or args.streams.parent / "seeds"
        print(json.dumps(lengths(stream_alerts(args.streams, seeds))))
        return
    alerts = [sample(n) for n in range(COUNT)]
    slack_rate = rate(lambda a: render_alert(alert_view(a)), alerts)
    discord_rate = rate(lambda a: alert_embed(alert_view(a), "ref 1").to_dict(), alerts)
    console_rate = rate(lambda a: render_alert_text(alert_view(a)), alerts)
    rendered = [render_alert(alert_view(a)).blocks for a in alerts]
    print(
        json.dumps(
            {
                "bench": "render",
                "alerts": COUNT,
                "console_per_s": round(console_rate),
                "discord_per_s": round(discord_rate),
                "slack_per_s": round(slack_rate),
                "ratio_discord_vs_console": round(discord_rate / console_rate, 3),
                "ratio_slack_vs_discord": round(slack_rate / discord_rate, 3),
                "max_blocks": max(len(b) for b in rendered),
                "max_chars": max(sum(block_chars(x) for x in b) for b in rendered),
            }
        )
    )


if __name__ == "__main__":
    main()
