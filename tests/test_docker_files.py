"""The Docker files stay consistent with the project (the image itself: scripts/docker-smoke)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

from tests.conftest import REPO


def _pins(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from a `uv pip compile --generate-hashes` file."""
    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)", line)
        if match:
            current = match.group(1).lower().replace("_", "-").replace(".", "-")
            pins[current] = (match.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def test_lock_pins_every_runtime_dependency_within_its_range() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = _pins(REPO / "requirements.lock")
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        name = requirement.name.lower().replace("_", "-").replace(".", "-")
        assert name in pins, f"{name} is not in requirements.lock: run `make lock`"
        version = pins[name][0]
        assert requirement.specifier.contains(version), (
            f"requirements.lock pins {name}=={version}, outside {requirement.specifier}:"
            " run `make lock`"
        )
    assert all(hashes >= 1 for _, hashes in pins.values()), "every pin needs its hashes"


def test_archive_lock_pins_datasette() -> None:
    pins = _pins(REPO / "docker" / "archive.lock")
    wanted = re.search(r"datasette==(\S+)", (REPO / "docker" / "archive.in").read_text())
    assert wanted is not None
    assert pins["datasette"][0] == wanted.group(1)


def test_dockerfile_builds_from_an_argument_as_a_numeric_user_with_a_healthcheck() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^ARG BASE_IMAGE=python:3\.12-slim$", text, re.MULTILINE)
    assert "--require-hashes" in text and "requirements.lock" in text
    assert re.search(r"^USER \$\{UID\}:\$\{UID\}$", text, re.MULTILINE)
    assert re.search(r"^ARG UID=\d+$", text, re.MULTILINE)
    assert 'VOLUME ["/data"]' in text
    assert re.search(r'HEALTHCHECK .*\n\s+CMD \["python", "-m", "bot", "health"\]', text)


def test_dockerignore_lets_in_only_what_the_image_needs() -> None:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert lines.count("*") == 1
    assert {"bot", "seeds", "requirements.lock", "config.example.toml"} <= allowed
    for copied in re.findall(r"^COPY (?!--from)(\S+)", (REPO / "Dockerfile").read_text(), re.M):
        assert copied.rstrip("/").split("/")[0] in allowed, copied


def test_compose_file_runs_the_bot_with_its_volume_secrets_and_restart_policy() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    bot = compose["services"]["newsbot"]
    assert bot["restart"] == "unless-stopped"
    assert bot["env_file"] == ".env"
    assert "newsbot-data:/data" in bot["volumes"]
    assert bot["read_only"] is True
    archive = compose["services"]["archive"]
    assert archive["profiles"] == ["archive"]
    assert "newsbot-data:/data:ro" in archive["volumes"]
    assert "newsbot-data" in compose["volumes"]
    # .env.example names every secret the bot reads.
    from bot.config import SECRET_NAMES

    example = (REPO / ".env.example").read_text()
    for name in SECRET_NAMES:
        assert re.search(rf"^{name}=$", example, re.MULTILINE), name


def test_archive_metadata_names_real_tables_and_its_queries_run(tmp_path: Path) -> None:
    from bot.store import Store

    metadata = yaml.safe_load((REPO / "docker" / "archive-metadata.yml").read_text())
    database = metadata["databases"]["newsbot"]
    store = Store.open(tmp_path / "newsbot.db")  # Datasette names the database after the file
    try:
        tables = set(store.db.table_names()) | set(store.db.view_names())
        assert set(database["tables"]) <= tables, set(database["tables"]) - tables
        for table, settings in database["tables"].items():
            columns = set(store.db[table].columns_dict)
            named = [*settings.get("facets", []), settings.get("sort_desc")]
            named.append(settings.get("label_column"))
            assert {c for c in named if c} <= columns, (table, named)
            assert settings.get("fts_table", "articles_fts") in tables
        for name, query in database["queries"].items():
            store.db.execute(query["sql"]).fetchall()  # valid SQL against the real schema
            assert query["title"], name
    finally:
        store.close()


def test_image_and_compose_carry_the_project_version() -> None:
    from bot import PROJECT_URL, __version__

    text = (REPO / "Dockerfile").read_text()
    runtime = text.rsplit("\nFROM ", 1)[1]  # the labels belong to the final stage
    assert re.search(rf"^ARG VERSION={re.escape(__version__)}$", runtime, re.MULTILINE)
    labels = dict(re.findall(r'(org\.opencontainers\.image\.[a-z]+)="([^"]*)"', runtime))
    assert labels["org.opencontainers.image.version"] == "${VERSION}"
    assert labels["org.opencontainers.image.revision"] == "${REVISION}"
    assert labels["org.opencontainers.image.source"] == PROJECT_URL
    assert labels["org.opencontainers.image.licenses"] == "MIT"
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    bot = compose["services"]["newsbot"]
    assert bot["image"] == f"newsbot:${{NEWSBOT_VERSION:-{__version__}}}"
    assert bot["build"] == "."  # the fallback when the tag cannot be pulled
    assert compose["services"]["archive"]["image"].endswith(f":${{NEWSBOT_VERSION:-{__version__}}}")
