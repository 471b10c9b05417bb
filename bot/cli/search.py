"""`newsbot search QUERY` and `newsbot seeds list`."""

from __future__ import annotations

import argparse
from typing import TextIO

from bot.cli.common import SubParsers, command
from bot.config import Config
from bot.exits import EXIT_OK

MAX_SEARCH_LIMIT = 100


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    seeds = sub.add_parser("seeds", parents=[common], help="inspect the seed corpus")
    seeds_sub = seeds.add_subparsers(dest="seeds_command", metavar="SUBCOMMAND", required=True)
    command(seeds_sub, "list", common, cmd_seeds_list, help="list seed articles and their claims")
    search = command(sub, "search", common, cmd_search, help="full-text search of stored articles")
    search.add_argument("query", help="words to look for (all must match)")
    search.add_argument(
        "--limit",
        type=search_limit,
        default=10,
        help=f"how many results, 1 to {MAX_SEARCH_LIMIT} (default 10)",
    )


def search_limit(text: str) -> int:
    """`search --limit`: a whole number from 1 to MAX_SEARCH_LIMIT (argparse exits 2 otherwise)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= MAX_SEARCH_LIMIT:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_SEARCH_LIMIT}, got {value}")
    return value


def cmd_seeds_list(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.app import build_assessor
    from bot.pipeline import record_seeds
    from bot.seeds import load_config_seeds
    from bot.store import Store
    from bot.timeutil import utc_now

    seeds = load_config_seeds(config)
    store = Store.open(":memory:")
    try:
        record_seeds(store, build_assessor(config), seeds, utc_now())
        for row in store.articles(kind="seed"):
            date = (row["published"] or "")[:10] or "date unknown"
            out.write(f"{row['id']}  {row['title'] or '(untitled)'}\n")
            out.write(f"    {row['source']} · {date} · story {row['story_id']}\n")
            for claim in store.claims_of(row["id"]):
                out.write(f"    - {claim.text}\n")
            out.write("\n")
    finally:
        store.close()
    return EXIT_OK


def cmd_search(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.app import build_assessor
    from bot.pipeline import record_seeds
    from bot.seeds import load_config_seeds
    from bot.store import Store
    from bot.timeutil import utc_now

    query: str = args.query
    seeds = load_config_seeds(config)
    store = Store.open(config.bot.database)
    try:
        record_seeds(store, build_assessor(config), seeds, utc_now())
        hits = store.search(query, limit=args.limit)
    finally:
        store.close()
    if not hits:
        out.write(f"no results for {query!r}\n")
        return EXIT_OK
    for number, hit in enumerate(hits, 1):
        where = " · ".join(x for x in (hit.source, (hit.published or "")[:10]) if x)
        out.write(f"{number}. {hit.title}  [{hit.kind}: {hit.article_id}]\n")
        if where:
            out.write(f"   {where}\n")
        if hit.url:
            out.write(f"   {hit.url}\n")
        out.write(f"   {' '.join(hit.snippet.split())}\n")
    return EXIT_OK
