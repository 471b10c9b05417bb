"""The command line: help everywhere, one-line config errors, a real poll cycle in-process."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import run_bot
from bot.cli import build_parser, main
from bot.config import Secrets, parse_config
from bot.store import Store
from tests.conftest import REPO
from tests.fakes import KeywordAssessor
from tests.feedserver import rss, running_feed_server


def _run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args",
    [[], ["run"], ["check-config"], ["seeds"], ["seeds", "list"], ["search"]],
)
def test_help_everywhere(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args([*args, "--help"])
    assert info.value.code == 0
    assert "usage: newsbot" in capsys.readouterr().out


def test_check_config_on_a_broken_file_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[polling]\ninterval_minutes = "often"\n')
    result = _run("check-config", "--config", str(broken))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["newsbot: polling.interval_minutes: expected an integer, got 'often'"]
    assert "Traceback" not in result.stderr + result.stdout


def test_check_config_accepts_the_example() -> None:
    result = _run("check-config", "--config", "config.example.toml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("config OK: 10 feeds")


def test_bad_seed_folder_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["seeds", "list", "--seeds", str(tmp_path / "nowhere")])
    assert code == 2
    assert "seed folder not found" in capsys.readouterr().err


async def test_run_once_polls_stores_and_prints_alerts(tmp_path: Path) -> None:
    with running_feed_server() as server:
        url = server.serve(
            "/ai.xml",
            rss(
                (
                    "Authors sue over training",
                    "https://n.example/1",
                    "Authors sued over training data.",
                ),
                ("Chip news", "https://n.example/2", "Chips are fast."),
            ),
        )
        dead = "http://127.0.0.1:9/unreachable.xml"
        config = parse_config(
            {
                "bot": {"database": str(tmp_path / "db.sqlite"), "seeds_dir": str(REPO / "seeds")},
                "feeds": [{"url": url, "backfill": 5}, {"url": dead}],
                # The feed server is on 127.0.0.1; the test needs no network at all.
                "fetch": {"allow_private_addresses": True},
                "full_text": {"enabled": False},
            }
        )
        out = io.StringIO()
        code = await run_bot(config, Secrets(), KeywordAssessor(), once=True, stdout=out)
    assert code == 0
    assert "NEW: Authors sue over training" in out.getvalue()
    assert "Chip news" not in out.getvalue()
    store = Store.open(tmp_path / "db.sqlite")
    try:
        assert store.count("articles") == 5 + 2  # seeds + both items
        assert store.outbox_length() == 0  # delivered
        failed = store.get_feed(dead)
        assert failed is not None and failed.state.consecutive_failures == 1
    finally:
        store.close()
