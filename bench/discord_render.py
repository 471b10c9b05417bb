"""Benchmark: Discord embeds for alerts (with hostile, oversized text) vs console text.

Prints one JSON line: alerts rendered per second by each renderer, and their ratio.
Run: .venv/bin/python bench/discord_render.py
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from bot.chat.discord_render import alert_embed
from bot.chat.render import render_alert_text
from bot.models import Alert, Claim

COUNT = 2000


def sample(n: int) -> Alert:
    hostile = "@everyone <@&123> [click](https://evil.example) **bold** " * (n % 7 + 1)
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
            for i in range(6)
        ),
        earlier=tuple(f"e{i}" for i in range(4)),
    )


def rate(render: object, alerts: list[Alert]) -> float:
    start = time.perf_counter()
    for alert in alerts:
        render(alert)  # type: ignore[operator]
    return len(alerts) / (time.perf_counter() - start)


def main() -> None:
    alerts = [sample(n) for n in range(COUNT)]
    embed_rate = rate(lambda a: alert_embed(a, "ref 1").to_dict(), alerts)
    console_rate = rate(render_alert_text, alerts)
    print(
        json.dumps(
            {
                "bench": "discord_render",
                "alerts": COUNT,
                "embeds_per_s": round(embed_rate),
                "console_per_s": round(console_rate),
                "ratio_embed_vs_console": round(embed_rate / console_rate, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
