"""Exit codes a script can rely on, tried with real processes and real pipes: a closed
stdout ends quietly, a bad --limit is refused, and `run --once` tells when every feed failed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.pipes import EXIT_STDOUT_CLOSED
from tests.conftest import REPO
from tests.feedserver import rss, running_feed_server


def _env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "NEWSBOT_"))
    }


def _config(tmp_path: Path, feeds: list[str]) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[bot]\ndatabase = "{tmp_path / "bot.db"}"\nseeds_dir = "{REPO / "seeds"}"\n'
        "[fetch]\nallow_private_addresses = true\n[full_text]\nenabled = false\n"
        "[polling]\ntimeout_seconds = 5\n" + "".join(f'[[feeds]]\nurl = "{url}"\n' for url in feeds)
    )
    return path


def _run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    """Run newsbot with stdout a pipe whose reader is already gone (what `| head -1`
    becomes once head has read its line)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=REPO,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=_env(),
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize("command", [["search", "copyright", "--limit", "50"], ["feeds", "list"]])
def test_a_closed_stdout_ends_the_command_quietly(tmp_path: Path, command: list[str]) -> None:
    config = _config(tmp_path, [f"https://feeds.example/{n}.xml" for n in range(40)])
    result = _run_into_closed_pipe("--config", str(config), *command)
    assert result.returncode == EXIT_STDOUT_CLOSED, result.stderr
    assert result.stderr == ""


def test_head_reads_its_line_and_newsbot_ends_quietly(tmp_path: Path) -> None:
    config = _config(tmp_path, [f"https://feeds.example/{n}.xml" for n in range(2000)])
    result = subprocess.run(
        f"{sys.executable} -m bot --config {config} feeds list | head -3",
        shell=True,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
    )
    assert len(result.stdout.splitlines()) == 3
    assert "Traceback" not in result.stderr
    assert "BrokenPipeError" not in result.stderr


@pytest.mark.parametrize("limit", ["0", "-3", "101", "ten"])
def test_search_refuses_a_limit_outside_1_to_100(limit: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "search", "copyright", "--limit", limit],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "argument --limit:" in result.stderr.splitlines()[-1]


def _run_once(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "run", "--once"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
    )


def test_run_once_exits_3_when_every_feed_failed(tmp_path: Path) -> None:
    with running_feed_server() as server:
        broken = server.serve("/broken.xml", "", status=500)
        config = _config(tmp_path, [broken, "http://127.0.0.1:9/unreachable.xml"])
        result = _run_once(config)
    assert result.returncode == 3, result.stderr
    assert "every feed failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_once_exits_0_when_one_feed_answered(tmp_path: Path) -> None:
    with running_feed_server() as server:
        good = server.serve("/good.xml", rss(("Chip news", "https://n.example/2", "Chips.")))
        config = _config(tmp_path, [good, "http://127.0.0.1:9/unreachable.xml"])
        result = _run_once(config)
    assert result.returncode == 0, result.stderr
