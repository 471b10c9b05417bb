"""The real bot process when it cannot write: a file-size limit (`ulimit -f`, here
RLIMIT_FSIZE) at start, and a limit imposed on the running bot, then lifted. One line
names the cause, `newsbot health` blames the disk (not the heartbeat it stopped), and the
bot is healthy again within seconds of the limit going away."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import REPO
from tests.waiting import wait_for_blocking

LIMIT = 4096  # bytes: any file write beyond this offset fails with EFBIG
CANNOT_WRITE = (
    "database: cannot write (disk I/O error: the disk is full or a file-size limit was reached)"
)


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[bot]\ndatabase = "{tmp_path / "bot.db"}"\nseeds_dir = "{REPO / "seeds"}"\n'
        "[health]\nheartbeat_seconds = 1\nmax_age_seconds = 3\n"
    )
    return config


def newsbot(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # as Python itself does: EFBIG, no kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, resource.RLIM_INFINITY))


def test_a_file_size_limit_at_start_is_one_line_and_exit_1(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    assert newsbot(config, "run", "--once").returncode == 0  # the database exists
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "run"],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_file_size,
    )
    assert result.returncode == 1, result.stderr
    database = tmp_path / "bot.db"
    last = CANNOT_WRITE.replace("database: ", f"database: cannot open {database}: ")
    assert result.stderr.splitlines()[-1] == f"newsbot: {last}"
    assert "Traceback" not in result.stderr


class Lines:
    """Collects a process's stderr lines (a pipe: the file-size limit does not apply)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert proc.stderr is not None
        stream = proc.stderr
        self._reader = threading.Thread(target=lambda: self.lines.extend(stream), daemon=True)
        self._reader.start()

    def wait_for(self, text: str, timeout: float = 60) -> None:
        wait_for_blocking(
            lambda: any(text in line for line in self.lines),
            timeout,
            message=lambda: f"{text!r} not in {self.lines}",
        )


def _health_until(config: Path, wanted: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        out = newsbot(config, "health").stdout.strip()
        if out.startswith(wanted) or time.monotonic() > deadline:
            return out
        time.sleep(0.2)


def test_a_running_bot_that_cannot_write_says_why_and_recovers(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "run"],
        cwd=REPO,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        log = Lines(proc)
        log.wait_for("running; press Ctrl-C to stop")
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (LIMIT, resource.RLIM_INFINITY))
        during = _health_until(config, "unhealthy: database")
        time.sleep(4)  # well past the heartbeat limit: the cause stays the disk
        still = newsbot(config, "health")
        unlimited = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, unlimited)
        lifted = time.monotonic()
        after = _health_until(config, "healthy")
        recovery = time.monotonic() - lifted
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert during == f"unhealthy: {CANNOT_WRITE}"
    assert still.returncode == 1 and still.stdout.strip() == during
    assert after.startswith("healthy"), after
    assert recovery < 15, recovery  # the next probe finds it, not a long backoff
    text = "".join(log.lines)
    assert "Traceback" not in text
    errors = [line for line in log.lines if " ERROR " in line]
    assert len(errors) == 1 and CANNOT_WRITE in errors[0]
    assert "writing works again" in text
