"""Commands load only what they use: `check-config` (and `--help`) never import the chat
platforms, the HTTP engine or the scheduler (they cost most of a second of start-up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

HEAVY = ("discord", "slack_sdk", "slack_bolt", "aiohttp", "apscheduler", "httpx", "sqlite_utils")

PROBE = """
import json, os, sys
from bot.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:  # --help
    code = exc.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(os.environ["HEAVY"])))
print(json.dumps({"code": code, "heavy": heavy}))
"""


def _loaded(tmp_path: Path, *args: str) -> dict[str, object]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "NEWSBOT_"))
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "PYTHONPATH": str(REPO), "HEAVY": json.dumps(HEAVY)},
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_check_config_imports_no_chat_platform_http_engine_or_scheduler(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[bot]\ndatabase = "data/bot.db"\n\n[[feeds]]\nurl = "https://a.example/feed"\n'
    )
    loaded = _loaded(tmp_path, "check-config", "--config", str(config))
    assert loaded == {"code": 0, "heavy": []}


@pytest.mark.parametrize("command", ["feeds", "search", "health", "run"])
def test_a_command_s_help_imports_none_of_them_either(tmp_path: Path, command: str) -> None:
    assert _loaded(tmp_path, command, "--help") == {"code": 0, "heavy": []}
