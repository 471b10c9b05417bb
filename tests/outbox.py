"""Alerts queued straight into a real store's outbox, for tests (and benches) of delivery."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.models import Alert, Claim, alert_to_payload
from bot.store import Store


def queue_alerts(
    store: Store,
    numbers: Iterable[int],
    destinations: Sequence[str],
    now: datetime,
    *,
    title: str = "Ruling {n}",
) -> None:
    """One alert per number (its own story, one new claim), queued once per destination."""
    for n in numbers:
        alert = Alert(
            article_id=f"a{n}",
            title=title.format(n=n),
            url=f"https://news.example/{n}",
            source="Example",
            published=now,
            category="lawsuit",
            story=f"story-{n}",
            summary="Something new happened.",
            new_claims=(Claim(text=f"Claim {n} is new.", novel=True),),
        )
        for destination in destinations:
            store.enqueue(
                kind="alert",
                article_id=alert.article_id,
                destination=destination,
                payload=alert_to_payload(alert),
                now=now,
            )
