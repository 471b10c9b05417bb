"""Files that ship inside the package: the seed corpus, the example config, the .env template.

They live in the repository at the top level (seeds/, config.example.toml, .env.example);
bot/resources/ links to them, and the wheel carries copies, so an installed newsbot works
outside a clone.
"""

from __future__ import annotations

from pathlib import Path


def resources() -> Path:
    return Path(__file__).parent / "resources"


def packaged_seeds() -> Path:
    """The seed corpus shipped with newsbot: the default `bot.seeds_dir`."""
    return resources() / "seeds"


def example_config() -> Path:
    return resources() / "config.example.toml"


def env_template() -> Path:
    return resources() / "env.example"
