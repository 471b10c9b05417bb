"""`newsbot init [DIR]`: write a commented config.toml and a .env template to start from.

Both come from the files shipped in the package (bot/packaged.py), so an installed newsbot
can set up a folder anywhere. Nothing is ever overwritten: if either file exists, nothing
is written and the command says which file is in the way.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO

from bot import __version__
from bot.errors import NewsbotError
from bot.packaged import env_template, example_config

EXIT_OK, EXIT_REFUSED = 0, 2  # like every other usage error


class InitError(NewsbotError):
    """The folder cannot be set up; nothing was written."""


def add_init_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = sub.add_parser(
        "init",
        help="write a commented config.toml and a .env template into a folder",
        description=(
            "Write DIR/config.toml (every key, commented) and DIR/.env (the chat secrets, "
            "empty). Refuses to overwrite either file."
        ),
    )
    init.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="where to write them (default: the current folder; created if missing)",
    )


def init_folder(folder: Path) -> tuple[Path, Path]:
    """Write config.toml and .env into `folder`; returns their paths."""
    config, env = folder / "config.toml", folder / ".env"
    for target in (config, env):
        if target.exists() or target.is_symlink():
            raise InitError(f"{target} already exists; not overwriting it")
    sources = {config: example_config(), env: env_template()}
    for source in sources.values():
        if not source.is_file():
            raise InitError(f"{source.name} is missing from this installation of newsbot")
    header = {
        config: f"# Written by `newsbot init` (newsbot {__version__}) from config.example.toml.\n",
        env: (
            f"# Written by `newsbot init` (newsbot {__version__}). Docker Compose reads it;\n"
            "# without Docker, load it into the environment first: set -a; . ./.env; set +a\n"
        ),
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_new(config, header[config] + sources[config].read_text(encoding="utf-8"), 0o644)
        try:
            # The secrets file is for its owner's eyes only.
            _write_new(env, header[env] + sources[env].read_text(encoding="utf-8"), 0o600)
        except BaseException:
            config.unlink(missing_ok=True)  # all or nothing
            raise
    except FileExistsError as exc:
        raise InitError(f"{exc.filename} already exists; not overwriting it") from None
    except OSError as exc:
        raise InitError(f"cannot write into {folder}: {exc.strerror or exc}") from None
    return config, env


def _write_new(path: Path, text: str, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def cmd_init(folder: Path, out: TextIO, err: TextIO) -> int:
    try:
        config, env = init_folder(folder)
    except InitError as exc:
        err.write(f"newsbot: init: {exc}\n")
        return EXIT_REFUSED
    out.write(
        f"wrote {config} and {env}\n"
        f"next: add feeds to {config} and chat tokens to {env} (none: alerts print here),\n"
        f"then run: newsbot --config {config} check-config\n"
    )
    return EXIT_OK
