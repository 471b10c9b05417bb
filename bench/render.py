"""Benchmark: rendering alerts (hostile, oversized text) as console text, Discord embeds and
Slack Block Kit, in the same run.

Prints one JSON line: alerts rendered per second by each renderer, the ratios, and the
largest Slack message seen (blocks, characters), which must stay inside Slack's limits.
Run: .venv/bin/python bench/render.py
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bot.chat.discord_render import alert_embed
from bot.chat.render import render_alert_text
from bot.chat.slack_render import block_chars, render_alert
from bot.models import Alert, Claim

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


def main() -> None:
    alerts = [sample(n) for n in range(COUNT)]
    slack_rate = rate(render_alert, alerts)
    discord_rate = rate(lambda a: alert_embed(a, "ref 1").to_dict(), alerts)
    console_rate = rate(render_alert_text, alerts)
    rendered = [render_alert(a).blocks for a in alerts]
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
