"""The real `python -m bot run` process: it polls, prints alerts, and stops cleanly on signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import Store
from tests.conftest import REPO
from tests.feedserver import rss, running_feed_server
from tests.waiting import wait_for_blocking

ITEM = (
    "Authors file copyright suit over AI training",
    "https://n.example/suit",
    "A group of authors filed a copyright lawsuit against Example AI Inc. on Monday, alleging "
    "the company trained its large language model on 7,000 pirated books without permission. "
    "The complaint, filed in federal court in San Francisco, seeks damages and an order to "
    "destroy the training data set. Example AI said it would fight the claims in court.",
)


def _wait_for(path: Path, text: str, timeout: float = 60.0) -> str:
    def content() -> str:
        return path.read_text(errors="replace") if path.exists() else ""

    wait_for_blocking(
        lambda: text in content(),
        timeout,
        interval=0.1,
        message=lambda: f"{text!r} never appeared in {path.name}:\n{content()[-2000:]}",
    )
    return content()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_run_prints_an_alert_then_stops_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    with running_feed_server() as server:
        url = server.serve("/feed.xml", rss(ITEM))
        config = tmp_path / "config.toml"
        config.write_text(
            f'[bot]\ndatabase = "{tmp_path / "bot.db"}"\nseeds_dir = "{REPO / "seeds"}"\n'
            f"[polling]\njitter_seconds = 0\n"
            # The feed server is on 127.0.0.1, and the test reaches nothing else.
            "[fetch]\nallow_private_addresses = true\n[full_text]\nenabled = false\n"
            f'[[feeds]]\nurl = "{url}"\nbackfill = 5\n'
        )
        out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
        with out.open("w") as stdout, err.open("w") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "--config", str(config), "run"],
                cwd=REPO,
                stdout=stdout,
                stderr=stderr,
                env=env,
            )
            try:
                _wait_for(out, "NEW: Authors file copyright suit over AI training")
                proc.send_signal(sig)
                code = proc.wait(timeout=30)
            finally:
                if proc.poll() is None:
                    proc.kill()
    log = err.read_text()
    assert code == 0, log
    assert "Traceback" not in log
    assert "database closed" in log
    store = Store.open(tmp_path / "bot.db")
    try:
        assert store.outbox_length() == 0
    finally:
        store.close()


def test_sigterm_under_load_stops_quietly(tmp_path: Path) -> None:
    # 400 feeds (first polls spread over a minute) whose server answers only after 5 s: the
    # signal arrives with dozens of polls in flight. Shutdown waits for them and says
    # nothing alarming (it used to log a CancelledError traceback per poll in flight).
    with running_feed_server() as server:
        feeds = "".join(
            f'[[feeds]]\nurl = "{server.serve(f"/slow{i}.xml", rss(ITEM), delay=5.0)}"\n'
            for i in range(400)
        )
        config = tmp_path / "config.toml"
        config.write_text(
            f'[bot]\ndatabase = "{tmp_path / "bot.db"}"\nseeds_dir = "{REPO / "seeds"}"\n'
            "[polling]\njitter_seconds = 0\n"
            "[fetch]\nallow_private_addresses = true\nmax_connections_per_host = 50\n"
            "[full_text]\nenabled = false\n" + feeds
        )
        err = tmp_path / "stderr.txt"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
        with err.open("w") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "--config", str(config), "run"],
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=env,
            )
            try:
                wait_for_blocking(
                    lambda: server.in_flight >= 20, message=lambda: err.read_text()[-2000:]
                )
                proc.send_signal(signal.SIGTERM)
                code = proc.wait(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
    log = err.read_text()
    assert code == 0, log[-2000:]
    assert "Traceback" not in log and "CancelledError" not in log, log[-2000:]
    assert " ERROR " not in log and " WARNING " not in log, log[-2000:]
    assert "database closed" in log


def test_a_second_bot_on_the_same_database_exits_naming_the_first(tmp_path: Path) -> None:
    with running_feed_server() as server:
        url = server.serve("/feed.xml", rss(ITEM))
        config = tmp_path / "config.toml"
        config.write_text(
            f'[bot]\ndatabase = "{tmp_path / "bot.db"}"\nseeds_dir = "{REPO / "seeds"}"\n'
            "[polling]\njitter_seconds = 0\n"
            "[fetch]\nallow_private_addresses = true\n[full_text]\nenabled = false\n"
            f'[[feeds]]\nurl = "{url}"\nbackfill = 5\n'
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
        out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"

        def newsbot(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
            command = [sys.executable, "-m", "bot", "--config", str(config), *args]
            return subprocess.run(
                command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
            )

        with out.open("w") as stdout, err.open("w") as stderr:
            first = subprocess.Popen(
                [sys.executable, "-m", "bot", "--config", str(config), "run"],
                cwd=REPO,
                stdout=stdout,
                stderr=stderr,
                env=env,
            )
            try:
                _wait_for(out, "NEW: Authors file copyright suit over AI training")
                second = newsbot("run")
                also_once = newsbot("run", "--once")
                # What only reads (or writes a little, like search's seeds) still works.
                search = newsbot("search", "copyright")
                health = newsbot("health")
                listing = newsbot("feeds", "list")
                backup = newsbot("backup", str(tmp_path / "copy.db"))
                restore = newsbot("restore", str(tmp_path / "copy.db"))
                first.send_signal(signal.SIGTERM)
                assert first.wait(timeout=30) == 0
            finally:
                if first.poll() is None:
                    first.kill()
        after = newsbot("run", "--once")  # the lock went with the first bot

    for result in (second, also_once):
        assert result.returncode == 1, result.stderr
        assert result.stderr == (
            f"newsbot: database: another newsbot (pid {first.pid}) is running on"
            f" {tmp_path / 'bot.db'}; stop it first\n"
        )
    assert out.read_text().count("NEW: Authors file copyright suit") == 1  # one bot delivered
    assert search.returncode == 0 and "Authors file copyright suit" in search.stdout
    assert health.returncode == 0, health.stdout
    assert listing.returncode == 0 and url in listing.stdout
    assert backup.returncode == 0 and (tmp_path / "copy.db").exists()
    assert restore.returncode != 0 and f"pid {first.pid}" in restore.stderr
    assert after.returncode == 0, after.stderr
    assert (tmp_path / "bot.db.lock").exists()


def test_a_private_in_memory_database_needs_no_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.store.lock import InstanceLock

    monkeypatch.chdir(tmp_path)
    lock = InstanceLock.acquire(Path(":memory:"))
    lock.write_status("database: disk full (x)")
    lock.release()
    assert list(tmp_path.iterdir()) == []
