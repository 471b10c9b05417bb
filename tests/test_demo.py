"""`newsbot demo`: the real bot on the bundled invented articles shows its three points —
a new story, a follow-up with only its new claims, a retelling with nothing new — and
says so only when they happened."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.demo import script
from bot.demo.content import DemoContent, load_content
from bot.feeds.identity import canonical_url
from bot.store import Store
from tests.conftest import REPO

RULE = "=" * 88  # the console's alert frame


def _demo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "NEWSBOT_"))
    }
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "bot", "demo", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _alerts(stdout: str) -> list[str]:
    """The console alert blocks, in the order they were printed."""
    parts = stdout.split(RULE)
    return [parts[i] for i in range(1, len(parts), 2)]


def test_demo_prints_a_new_story_a_follow_up_and_nothing_for_a_retelling(
    tmp_path: Path,
) -> None:
    done = _demo(cwd=tmp_path)  # an empty folder: no config.toml, nothing to read
    assert done.returncode == 0, done.stderr
    out = done.stdout
    alerts = _alerts(out)
    assert [a.strip().splitlines()[0] for a in alerts] == [
        "NEW: Illustrators' guild sues Lumen Forge over training on scraped portfolios",
        "NEW: Lumen Forge asks Boston court to throw out illustrators' suit",
    ]
    story, follow_up = alerts
    assert "40,000 illustrations" in story
    # the follow-up: its new claims, in the story's thread of coverage, and not the claim
    # it repeats from the first report
    assert "600 more illustrators" in follow_up
    assert "Judge Miriam Okafor" in follow_up
    assert "The guild sued Lumen Forge earlier this month" not in follow_up
    assert "Earlier coverage:" in follow_up
    assert "posted as a follow-up: 4 new claim(s) shown; 2 already known" in out
    # the retelling and the item off the topic are judged, and not posted
    assert "Freelance artists take AI start-up" not in "".join(alerts)
    assert "Harbour ferry" not in "".join(alerts)
    assert "→ not posted: nothing new, every claim was already known from" in out
    assert "→ not posted: not about AI training-data disputes" in out
    assert out.count("recorded without alerting") == 2  # round 1: the first poll
    # then how to start for real
    assert "newsbot init" in out and "DISCORD_TOKEN" in out and "--backfill" in out
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.iterdir())  # its database was in a temporary folder


def test_demo_keep_leaves_the_database_with_every_decision(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    done = _demo("--keep", str(folder), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{folder / 'newsbot.db'}" in done.stdout
    content = load_content()
    store = Store.open(folder / "newsbot.db")
    try:
        status = {}
        for article in content.articles:
            row = store.find_article_by_url(canonical_url(article.link))
            assert row is not None, article.id
            status[article.role] = row["status"]
        stories = {
            store.find_article_by_url(canonical_url(content.by_role(r).link))["story_id"]  # type: ignore[index]
            for r in ("new story", "follow-up", "retelling")
        }
    finally:
        store.close()
    assert status == {
        "already there": "recorded",
        "new story": "alerted",
        "off topic": "not_relevant",
        "follow-up": "alerted",
        "retelling": "nothing_new",
    }
    assert len(stories) == 1  # one story, from the first report to the retelling

    again = _demo("--keep", str(folder), cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr.strip() == (
        f"newsbot: demo: --keep {folder}: already exists; name a new folder"
    )


def test_demo_says_so_when_a_point_did_not_come_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A retelling that in fact brings news is posted: the demo must not claim it showed
    "nothing new" (exit 1, one line naming what it did not show)."""
    real = load_content()

    def changed() -> DemoContent:
        articles = tuple(
            dataclasses.replace(
                a,
                text=(
                    "The Northvale Illustrators Guild and Lumen Forge settled the Palette"
                    " lawsuit on Friday for 3.5 million dollars, and Lumen Forge agreed to"
                    " pay the guild's members a licence fee of 12 dollars per image used"
                    " to train future models."
                ),
            )
            if a.role == "retelling"
            else a
            for a in real.articles
        )
        return dataclasses.replace(real, articles=articles)

    monkeypatch.setattr(script, "load_content", changed)
    monkeypatch.chdir(tmp_path)
    code = main(["demo"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.strip() == (
        "newsbot: demo: the demo did not show a retelling with nothing new"
    )
    assert "newsbot init" not in captured.out  # no "that was the bot" after a failed demo


def _without_network(*command: str) -> list[str] | None:
    """`command` in a new network namespace (`unshare -rn`: no interface up, not even
    loopback), or None where this machine cannot make one."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, timeout=30)
    return [unshare, "-rn", *command] if probe.returncode == 0 else None


def test_demo_without_any_network_names_the_loopback_instead_of_failing_feeds(
    tmp_path: Path,
) -> None:
    command = _without_network(sys.executable, "-m", "bot", "demo")
    if command is None:
        pytest.skip("unshare -rn (a user network namespace) is not available here")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()  # one line, no feed failures logged
    assert line.startswith("newsbot: demo: it cannot reach its own feeds on 127.0.0.1:")
    assert "loopback interface seems to be down" in line and "ip link set lo up" in line
    assert "feed failed" not in done.stdout + done.stderr


def test_demo_runs_with_only_loopback_up(tmp_path: Path) -> None:
    ip = shutil.which("ip")
    script = f"{ip} link set lo up && exec {sys.executable} -m bot demo"
    command = _without_network("sh", "-c", script)
    if command is None or ip is None:
        pytest.skip("unshare -rn or ip is not available here")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert len(_alerts(done.stdout)) == 2  # the new story and its follow-up
    assert "nothing new, every claim was already known" in done.stdout
