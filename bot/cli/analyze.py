"""`newsbot analyze` (judge a JSON-lines file of articles) and `newsbot eval` (score the
analysis on labelled streams)."""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.cli.common import SubParsers, command
from bot.config import Config
from bot.exits import EXIT_OK, EXIT_USAGE
from bot.models import Article
from bot.seeds import load_config_seeds
from bot.timeutil import parse_iso, utc_now

if TYPE_CHECKING:  # the analysis and the store load when a command runs, not at start-up
    from bot.analysis.assess import Assessment
    from bot.analysis.relevance_model import RelevanceModel
    from bot.store import Store


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    analyze = command(
        sub,
        "analyze",
        common,
        cmd_analyze,
        help="analyse articles from a JSON-lines file; one verdict line per input line",
        description=(
            "Judge each article (JSON lines: id, title, url, source, published, text) against "
            "the seeds and every earlier article, in input order. Without --db nothing is "
            "written anywhere; with --db the database's history is used and extended."
        ),
    )
    analyze.add_argument("--input", type=Path, required=True, help="JSON-lines file of articles")
    evaluate = command(
        sub,
        "eval",
        common,
        cmd_eval,
        help="run analyze over labelled streams and print the scorer's measures",
        description=(
            "Run every English and Japanese stream of an eval folder (default: "
            "../shared/eval-dev beside the repository), each from the seeds (default: the "
            "folder's ../seeds), and print the measures of the folder's score.py per stream "
            "and in total. With --fold, the relevance model is fitted on the other streams "
            "only and the held-out one scored."
        ),
    )
    evaluate.add_argument(
        "labelled",
        type=Path,
        nargs="?",
        help="an eval folder, or one labelled JSON-lines file (eval-dev schema)",
    )
    evaluate.add_argument(
        "--fold",
        action="append",
        metavar="STREAM",
        help="hold STREAM out: fit on the others, score it (repeatable; 'all' for every fold)",
    )
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")


def analyze_lines(
    config: Config,
    lines: Sequence[str],
    store: Store,
    err: TextIO,
    relevance_model: RelevanceModel | None = None,
) -> list[dict[str, object] | None]:
    """Judge each JSON line in order (seeds first); None, and a message on `err` naming the
    line, for a line that is not a valid article."""
    from bot.analysis.analyzer import verdict_to_dict
    from bot.app import build_assessor
    from bot.pipeline import record_seeds
    from bot.store.known import KnownToStore

    assessor = build_assessor(config, relevance_model)
    record_seeds(store, assessor, load_config_seeds(config), utc_now())
    known = KnownToStore(store)
    out: list[dict[str, object] | None] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            article = article_from_json(line)
        except ValueError as exc:
            err.write(f"newsbot: analyze: line {number}: {exc}\n")
            out.append(None)
            continue
        assessment = assessor.assess(article, known)
        record_analyzed(store, article, assessment, utc_now())
        out.append(verdict_to_dict(assessment.verdict))
    return out


def article_from_json(line: str) -> Article:
    """One input line as an Article; ValueError says what is wrong with it."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    aid = data.get("id")
    if not isinstance(aid, str | int) or isinstance(aid, bool) or not str(aid).strip():
        raise ValueError("missing or empty 'id'")
    fields: dict[str, str | None] = {}
    for key in ("title", "url", "source", "published", "text"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"'{key}' must be a string or null")
        fields[key] = value
    return Article(
        id=str(aid),
        title=fields["title"] or "",
        url=fields["url"],
        source=fields["source"],
        published=parse_iso(fields["published"]),  # unreadable: no date evidence
        text=fields["text"] or "",
    )


def record_analyzed(store: Store, article: Article, assessment: Assessment, now: datetime) -> None:
    """Keep an analysed article, its claims and its analysis record with the pipeline's own
    row builders; no alert is queued, so a novel article is "analysed", not "alerted"."""
    from bot.store.polls import ArticleWrite
    from bot.store.rows import claim_rows, verdict_row

    verdict = assessment.verdict
    row = verdict_row(article, verdict, now, alerting=False)
    claims = tuple(claim_rows(verdict, article.published))
    store.write_articles([ArticleWrite(row, claims, assessment.record)], now)


def cmd_analyze(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        lines = args.input.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        err.write(f"newsbot: analyze: cannot read {args.input}: {exc}\n")
        return EXIT_USAGE
    from bot.store import Store

    # Without --db nothing is written anywhere: a private in-memory database.
    store = (
        Store.open(config.bot.database)
        if getattr(args, "db", None) is not None
        else Store.open(":memory:")
    )
    try:
        for verdict in analyze_lines(config, lines, store, err):
            # a bad line keeps its place in the output, so line N answers line N
            line = verdict if verdict is not None else {"id": None, "error": "bad input line"}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            out.flush()
    finally:
        store.close()
    return EXIT_OK


def default_eval_dir() -> Path:
    """../shared/eval-dev beside the repository this code runs from."""
    return Path(__file__).resolve().parents[3] / "shared" / "eval-dev"


def cmd_eval(config: Config, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.analysis.relevance_model import load_model
    from bot.evaluation.run import figures, folds, readability, render, score_with
    from bot.evaluation.streams import Stream, StreamError, eval_streams, read_stream
    from bot.store import Store

    where: Path = args.labelled or default_eval_dir()
    if not where.exists():
        err.write(f"newsbot: eval: no eval folder or labelled file at {where}\n")
        return EXIT_USAGE
    # the raw seeds the streams were labelled against sit beside the eval folder
    raw_seeds = (where if where.is_dir() else where.parent).parent / "seeds"
    if getattr(args, "seeds", None) is None and raw_seeds.is_dir():
        config = dataclasses.replace(
            config, bot=dataclasses.replace(config.bot, seeds_dir=raw_seeds)
        )
    try:
        streams = eval_streams(where) if where.is_dir() else [read_stream(where)]
    except StreamError as exc:
        err.write(f"newsbot: eval: {exc}\n")
        return EXIT_USAGE

    def analyse(stream: Stream, model: RelevanceModel) -> list[Mapping[str, Any]]:
        store = Store.open(":memory:")
        try:
            verdicts = analyze_lines(config, stream.input_lines(), store, err, model)
        finally:
            store.close()
        return [
            v if v is not None else {"id": lab.get("id")}
            for v, lab in zip(verdicts, stream.labels, strict=True)
        ]

    held = args.fold or []
    if held:
        if not where.is_dir():
            err.write("newsbot: eval: --fold needs an eval folder of several streams\n")
            return EXIT_USAGE
        names = [s.name for s in streams] if "all" in held else list(dict.fromkeys(held))
        try:
            results = folds(streams, names, config.bot.seeds_dir, analyse)
        except ImportError as exc:
            err.write(
                f"newsbot: eval: fitting needs the 'model' extra ({exc.name} missing): "
                "pip install -e '.[model]'\n"
            )
            return EXIT_USAGE
        except ValueError as exc:
            err.write(f"newsbot: eval: {exc}\n")
            return EXIT_USAGE
        heading = "leave-one-stream-out: each column fitted on the other streams only"
    else:
        results = score_with(streams, load_model(), analyse)
        heading = "the shipped model (fitted on these streams: not a measure of generalisation)"
    if args.json:
        payload = {
            "mode": "folds" if held else "shipped model",
            "seeds": str(config.bot.seeds_dir),
            "figures": figures(results),
            "readability": readability(results),
        }
        out.write(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
    else:
        out.write(render(results, heading))
        out.write(f"seeds: {config.bot.seeds_dir}\n")
    return EXIT_OK
