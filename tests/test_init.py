"""`newsbot init`: a commented config and a .env template from the packaged files, never
overwriting anything."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import SECRET_NAMES, Config, load_config, load_secrets
from tests.conftest import REPO


def test_init_writes_a_config_and_an_env_that_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "newsbot"
    assert main(["init", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {folder / 'config.toml'} and {folder / '.env'}" in out
    config = load_config(folder / "config.toml")
    example = load_config(REPO / "config.example.toml")
    assert config.feeds == example.feeds and config.polling == example.polling
    assert config.bot.database == folder / "data" / "newsbot.db"
    assert config.bot.seeds_dir == Config().bot.seeds_dir  # the packaged corpus
    text = (folder / "config.toml").read_text()
    assert text.endswith((REPO / "config.example.toml").read_text())  # every comment kept
    env = folder / ".env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    values = dict(
        line.split("=", 1) for line in env.read_text().splitlines() if line and line[0] != "#"
    )
    assert set(values) == set(SECRET_NAMES)  # every secret the bot reads, all empty
    assert set(values.values()) == {""}
    assert load_secrets(values).values == {}
    assert main(["--config", str(folder / "config.toml"), "check-config"]) == 0


def test_init_defaults_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert (tmp_path / "config.toml").is_file() and (tmp_path / ".env").is_file()


@pytest.mark.parametrize("existing", ["config.toml", ".env"])
def test_init_never_overwrites_and_writes_nothing_when_refusing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], existing: str
) -> None:
    (tmp_path / existing).write_text("mine\n")
    assert main(["init", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"newsbot: init: {tmp_path / existing} already exists; not overwriting it\n"
    assert (tmp_path / existing).read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [existing]
