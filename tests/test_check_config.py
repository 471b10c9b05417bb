"""`check-config` checks what `run` needs, for a config file kept outside the repository:
when it says OK, `run` starts; when `run` would fail, it fails first, with the same line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def _newsbot(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "NEWSBOT_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, "PYTHONPATH": str(REPO), **(env or {})},
    )


def _write_config(folder: Path, bot: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(f"[bot]\n{bot}\n")
    return path


def test_a_config_outside_the_repository_naming_missing_seeds_fails_check_config_like_run(
    tmp_path: Path,
) -> None:
    config = _write_config(tmp_path / "etc", 'database = "data/bot.db"\nseeds_dir = "seeds"')
    checked = _newsbot("check-config", "--config", str(config), cwd=tmp_path)
    ran = _newsbot("run", "--once", "--config", str(config), cwd=tmp_path)
    assert checked.returncode == 2
    assert checked.stdout == ""
    line = checked.stderr.strip()
    assert "bot.seeds_dir" in line and "seed folder not found" in line
    assert str(tmp_path / "etc" / "seeds") in line
    assert ran.returncode == 2
    assert ran.stderr.strip().splitlines()[-1] == line


def test_a_config_outside_the_repository_without_seeds_dir_uses_the_packaged_corpus(
    tmp_path: Path,
) -> None:
    config = _write_config(tmp_path / "etc", 'database = "data/bot.db"')
    checked = _newsbot("check-config", "--config", str(config), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "(5 articles)" in checked.stdout
    ran = _newsbot("run", "--once", "--config", str(config), cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr


def test_a_config_outside_the_repository_that_check_config_accepts_runs(tmp_path: Path) -> None:
    config = _write_config(
        tmp_path / "etc", f'database = "data/bot.db"\nseeds_dir = "{REPO / "seeds"}"'
    )
    checked = _newsbot("check-config", "--config", str(config), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("config OK: 0 feeds")
    assert "(5 articles)" in checked.stdout
    assert not (tmp_path / "etc" / "data").exists()  # check-config writes nothing
    ran = _newsbot("run", "--once", "--config", str(config), cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "etc" / "data" / "bot.db").is_file()


def test_a_seed_file_that_does_not_parse_fails_check_config(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "one.md").write_text("---\ntitle: [unclosed\n---\nBody text.\n")
    config = _write_config(tmp_path, 'database = "bot.db"\nseeds_dir = "seeds"')
    result = _newsbot("check-config", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().endswith("one.md: front matter is not valid YAML (line 2)")


@pytest.mark.parametrize(
    ("database", "message"),
    [
        ("a-file/bot.db", "cannot be created"),
        ("not-sqlite.db", "not an SQLite database"),
        (".", "is a folder"),
    ],
)
def test_a_database_run_cannot_open_fails_check_config(
    tmp_path: Path, database: str, message: str
) -> None:
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "not-sqlite.db").write_text("hello")
    config = _write_config(tmp_path, f'database = "{database}"\nseeds_dir = "{REPO / "seeds"}"')
    checked = _newsbot("check-config", "--config", str(config), cwd=tmp_path)
    assert checked.returncode == 2
    assert checked.stderr.startswith("newsbot: bot.database: ")
    assert message in checked.stderr
    ran = _newsbot("run", "--once", "--config", str(config), cwd=tmp_path)
    assert ran.returncode != 0  # run fails on it too, later and as a runtime failure
