"""The built wheel, installed into a fresh venv outside the repository, is a working newsbot.

SLOW: about 20-60 s. It copies the sources to a temporary folder, builds the wheel there
(`pip wheel --no-deps`), makes a new venv, installs the wheel with its dependencies (pip,
from the configured index), then runs the installed `newsbot` from a folder outside the
repository: --version, seeds list, init, check-config and run --once against a feed server
on 127.0.0.1. NEWSBOT_SKIP_WHEEL_TEST=1 skips it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import __version__
from tests.conftest import REPO
from tests.feedserver import rss, running_feed_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("NEWSBOT_SKIP_WHEEL_TEST") == "1", reason="NEWSBOT_SKIP_WHEEL_TEST=1"
    ),
]

SOURCES = ("pyproject.toml", "README.md", "LICENSE", "config.example.toml", ".env.example")
ITEM = (
    "Authors file copyright suit over AI training",
    "https://n.example/suit",
    "A group of authors filed a copyright lawsuit against Example AI Inc. on Monday, alleging "
    "the company trained its large language model on 7,000 pirated books without permission. "
    "The complaint, filed in federal court in San Francisco, seeks damages and an order to "
    "destroy the training data set. Example AI said it would fight the claims in court.",
)


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    work: Path  # an empty folder outside the repository, the commands' working directory

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DISCORD_", "SLACK_", "NEWSBOT_", "PYTHON", "VIRTUAL_ENV"))
        }
        return subprocess.run(
            [str(self.venv / "bin" / "newsbot"), *args],
            cwd=cwd or self.work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )


def _pip(python: Path | str, *args: str) -> None:
    result = subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("wheel")
    assert not root.resolve().is_relative_to(REPO)
    src = root / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "bot", src / "bot", symlinks=True, ignore=ignore)
    shutil.copytree(REPO / "seeds", src / "seeds", ignore=ignore)
    for name in SOURCES:
        shutil.copy2(REPO / name, src / name)
    _pip(sys.executable, "wheel", "--no-deps", "-w", str(root / "dist"), str(src))
    (wheel,) = (root / "dist").glob("newsbot-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    _pip(venv / "bin" / "python", "install", str(wheel))
    work = root / "work"
    work.mkdir()
    yield Installed(wheel, venv, work)


def test_the_wheel_carries_the_seed_corpus_and_the_example_config(installed: Installed) -> None:
    assert installed.wheel.name == f"newsbot-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(installed.wheel) as whl:
        names = set(whl.namelist())
        seeds = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("bot/resources/seeds/"))
        assert seeds == sorted(p.name for p in (REPO / "seeds").iterdir())
        example = whl.read("bot/resources/config.example.toml")
        env = whl.read("bot/resources/env.example")
        assert "bot/demo/data/articles.toml" in names  # `newsbot demo`'s articles
        assert not any(n.startswith(("tests/", "bench/", "seeds/")) for n in names)
    assert example == (REPO / "config.example.toml").read_bytes()
    assert env == (REPO / ".env.example").read_bytes()
    # The report of what the wheel holds (the release notes quote it).
    size = installed.wheel.stat().st_size
    print(f"\nwheel {installed.wheel.name}: {size} bytes, {len(names)} files")


def test_installed_newsbot_works_outside_the_repository(installed: Installed) -> None:
    version = installed.run("--version")
    assert version.stdout.strip() == f"newsbot {__version__}"
    where = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", "import bot; print(bot.__file__)"],
        cwd=installed.work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed.venv)  # the installed copy, not the clone

    seeds = installed.run("seeds", "list")
    assert seeds.returncode == 0, seeds.stderr
    assert seeds.stdout.count("Ghibli") >= 1
    assert len([line for line in seeds.stdout.splitlines() if line.strip()]) >= 5

    init = installed.run("init", "site")
    assert init.returncode == 0, init.stderr
    again = installed.run("init", "site")
    assert again.returncode == 2
    assert again.stderr.strip().endswith("already exists; not overwriting it")
    check = installed.run("check-config", cwd=installed.work / "site")  # ./config.toml
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("config OK")
    assert str(installed.venv) in check.stdout  # the seeds are the packaged ones

    with running_feed_server() as server:
        url = server.serve("/feed.xml", rss(ITEM))
        run_dir = installed.work / "run"
        run_dir.mkdir()
        (run_dir / "config.toml").write_text(
            '[bot]\ndatabase = "bot.db"\n'
            # The feed server is on 127.0.0.1, and the test reaches nothing else.
            "[fetch]\nallow_private_addresses = true\n[full_text]\nenabled = false\n"
            f'[[feeds]]\nurl = "{url}"\nbackfill = 5\n'
        )
        once = installed.run("run", "--once", cwd=run_dir)
    assert once.returncode == 0, once.stderr[-3000:]
    assert "NEW: Authors file copyright suit over AI training" in once.stdout
    assert "Traceback" not in once.stderr
    assert (run_dir / "bot.db").is_file()

    demo = installed.run("demo")  # offline, from the packaged articles
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "NEW: Lumen Forge asks Boston court" in demo.stdout
