"""Write tests/data/upgrade-0.2.0.db: a database as newsbot 0.2.0 leaves it, for the upgrade test.

Run with the code of the release the fixture stands for (0.2.0), from the repository root:

    .venv/bin/python tests/data/make_upgrade_fixture.py

Never regenerate it with newer code: the point of the file is that it was written by the old
version. A new release that changes the schema adds its own fixture next to this one.

What it holds (all our own words): the seed corpus; three feeds (one failing); articles of
every decision (alerted, nothing new, not relevant, recorded on a first poll) with their
verdicts and claims; two stories with a follow-up, each with a Discord and a Slack thread;
outbox rows in every state: sent, dead, pending with a failed attempt, pending with a send
started (intent) before a crash, plain pending alerts and a pending "feed is failing" notice;
and the heartbeat of a clean stop.
The real pipeline writes articles, claims, stories and the outbox from a feed server on
127.0.0.1; the delivery states are then set with the store's own methods, as the delivery
loop would.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bot import __version__  # noqa: E402
from bot.analysis.assess import build_assessor  # noqa: E402
from bot.feeds.fetch import Fetcher, FetchSettings, make_client  # noqa: E402
from bot.health import Heartbeat  # noqa: E402
from bot.feeds.state import PollSettings  # noqa: E402
from bot.pipeline import Pipeline, record_seeds  # noqa: E402
from bot.seeds import load_seeds  # noqa: E402
from bot.store import Store  # noqa: E402
from tests.feedserver import rss, running_feed_server  # noqa: E402

TARGET = REPO / "tests" / "data" / f"upgrade-{__version__}.db"
DESTINATIONS = ("discord", "slack")
DISCORD_CHANNEL, SLACK_CHANNEL = "1300000000000000000", "C0NEWS"
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)

ACME = (
    "Novelists sue Acme AI over training on pirated books",
    "https://law.example/acme-suit",
    "The Authors Guild sued Acme AI in a New York federal court on Monday, accusing the "
    "company of training its Quill chatbot on pirated copies of 7,000 novels without "
    "permission. The guild is asking for damages for copyright infringement.",
)
ACME_COPY = (
    "Acme AI sued by novelists over pirated books",
    "https://wire.example/acme-copy",
    "The Authors Guild sued Acme AI in a New York federal court on Monday, accusing the "
    "company of training its Quill chatbot on pirated copies of 7,000 novels without "
    "permission. The guild is asking for damages for copyright infringement.",
)
ACME_FOLLOW = (
    "Judge lets novelists' training-data suit against Acme AI go ahead",
    "https://law.example/acme-ruling",
    "A federal judge in New York refused to dismiss the Authors Guild's copyright suit "
    "against Acme AI over training its Quill chatbot on pirated novels. Judge Maria Ortega "
    "set a trial date for March 2027 and ordered Acme AI to hand over its training data logs.",
)
BOREALIS = (
    "Photo agency Lumen signs training-data licence with Borealis AI",
    "https://wire.example/lumen-licence",
    "The photo agency Lumen signed a licensing deal that lets Borealis AI train its image "
    "models on 40 million licensed photos. Lumen said photographers would receive a share "
    "of the fee for the use of their pictures as training data.",
)
BOREALIS_FOLLOW = (
    "Photographers to get 30 percent of Lumen's AI training fees",
    "https://wire.example/lumen-share",
    "Lumen will pay photographers 30 percent of what Borealis AI pays for training its image "
    "models on the agency's archive, the agency told contributors. Photographers who opt out "
    "before January will have their pictures removed from the training set.",
)
OFF_TOPIC = (
    "Chip maker posts record quarter",
    "https://wire.example/chips",
    "Nvidia reported record revenue for the quarter as demand for data centre chips kept rising.",
)
OLD_NEWS = (
    "Archive: a week in technology",
    "https://wire.example/archive-week",
    "A look back at the week's technology news, from phones to chips.",
)


def tick(clock: list[datetime], minutes: int) -> None:
    clock[0] += timedelta(minutes=minutes)


async def write(target: Path) -> None:
    clock = [START]
    store = Store.open(target)
    judge = build_assessor(0.5)
    record_seeds(store, judge, load_seeds(REPO / "seeds"), clock[0])
    with running_feed_server() as server:
        law = server.serve("/law.xml", rss(ACME, title="Law desk"))
        wire = server.serve("/wire.xml", rss(OLD_NEWS, title="Wire"))
        broken = server.serve("/broken.xml", status=500)
        store.add_feed(law, now=clock[0], name="Law desk", backfill=10, interval_minutes=30)
        store.add_feed(wire, now=clock[0], name="Wire", backfill=0, interval_minutes=60)
        store.add_feed(broken, now=clock[0], name="Broken", interval_minutes=30)
        settings = FetchSettings(allow_private_addresses=True)  # the server is on 127.0.0.1
        client = make_client(settings)
        try:
            pipeline = Pipeline(
                store,
                Fetcher(client, settings),
                judge,
                list(DESTINATIONS),
                lambda: clock[0],
                settings=PollSettings(failure_notice_after=2),
            )
            await pipeline.run_once()  # law: the suit (backfilled); wire: recorded only
            tick(clock, 60)
            server.serve("/wire.xml", rss(ACME_COPY, BOREALIS, OFF_TOPIC, OLD_NEWS, title="Wire"))
            await pipeline.run_once()  # the copy adds nothing; a licence story; off topic
            tick(clock, 60)
            server.serve("/law.xml", rss(ACME_FOLLOW, ACME, title="Law desk"))
            server.serve(
                "/wire.xml",
                rss(BOREALIS_FOLLOW, ACME_COPY, BOREALIS, OFF_TOPIC, OLD_NEWS, title="Wire"),
            )
            await pipeline.run_once()  # follow-ups in both stories; broken: failing notice
        finally:
            await client.aclose()
    tick(clock, 5)
    settle_deliveries(store, clock[0])
    Heartbeat(store, lambda: clock[0], interval_seconds=30).close()  # a clean stop
    store.close()


def settle_deliveries(store: Store, now: datetime) -> None:
    """Give the outbox every state the delivery loop leaves behind."""
    first_alerts = {}  # story -> the first alerted article, whose message opened its thread
    for row in sorted(store.articles(kind="feed"), key=lambda r: r["seen_at"]):
        if row["status"] == "alerted" and row["story_id"] not in first_alerts:
            first_alerts[row["story_id"]] = row["id"]
    if len(first_alerts) < 2:
        raise SystemExit(f"expected two alerted stories, got {sorted(first_alerts)}")
    rows = store.db.execute(
        "SELECT id, kind, article_id, destination FROM outbox ORDER BY id"
    ).fetchall()
    by_key = {(kind, aid, dest): oid for oid, kind, aid, dest in rows}
    for n, (story, aid) in enumerate(sorted(first_alerts.items())):
        for dest in DESTINATIONS:
            oid = by_key[("alert", aid, dest)]
            # As the destinations record them: Discord opens a thread on the alert's message
            # (the thread's id is the message's); Slack replies under the message's ts.
            if dest == "discord":
                channel, message = DISCORD_CHANNEL, f"13{n + 1}0000000000000001"
                ref = thread = message
            else:
                channel, message = SLACK_CHANNEL, f"1763630{n + 1}00.000100"
                ref, thread = f"{channel}/{message}", message
            store.mark_sent(oid, now, ref)
            store.save_story_thread(
                dest, story, channel_id=channel, message_id=message, thread_id=thread, now=now
            )
    pending = [
        (oid, dest)
        for oid, kind, aid, dest in rows
        if kind == "alert" and aid not in first_alerts.values()
    ]
    if len(pending) < 4:
        raise SystemExit(f"expected at least two follow-up alerts per destination: {pending}")
    discord_rows = [oid for oid, dest in pending if dest == "discord"]
    slack_rows = [oid for oid, dest in pending if dest == "slack"]
    # Discord refused one follow-up for good; Slack's first follow-up failed once and waits
    # for its retry; a send of Slack's second was under way when the process stopped.
    store.mark_dead(discord_rows[0], "403 Forbidden (error code: 50013): Missing Permissions")
    store.mark_retry(slack_rows[0], "slack: ratelimited", now + timedelta(minutes=1))
    if len(slack_rows) > 1:
        store.mark_intent([slack_rows[1]], now)


def main() -> None:
    TARGET.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{TARGET}{suffix}").unlink(missing_ok=True)
    asyncio.run(write(TARGET))
    conn = sqlite3.connect(TARGET)
    conn.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    conn.execute("VACUUM")
    conn.close()
    print(f"wrote {TARGET.relative_to(REPO)} ({TARGET.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
