"""One version number, written once (bot/__init__.py), shown everywhere a self-hoster looks."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

from bot import __version__
from tests.conftest import REPO


def test_the_version_is_semver_and_pyproject_reads_it_from_the_package() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "bot.__version__"}


def test_newsbot_version_prints_it() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--version"], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0
    assert result.stdout == f"newsbot {__version__}\n"


def test_the_changelog_has_an_unreleased_section_then_one_per_release() -> None:
    text = (REPO / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings[0] == "[Unreleased]"
    releases = [re.fullmatch(r"\[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})", h) for h in headings[1:]]
    assert all(releases), headings
    versions = [m.group(1) for m in releases if m]
    assert versions[0] == __version__  # the current version is the newest release
    for version in versions:
        assert f"[{version}]: " in text  # a link to the release's tag
    for section in re.findall(r"^### (.+)$", text, re.MULTILINE):
        assert section in {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
