"""Claim and summary quality on the English dev streams, with the scorer's claim agreement.

    .venv/bin/python bench/claim_quality.py [--streams articles,stream2,stream3] [--show]

For each stream of ../shared/eval-dev (read in place) it runs the README's recipe: the
stream's article fields written to a temporary file, `python -m bot analyze --input ...
--seeds ../shared/seeds`, then `score.py LABELS DECISIONS --json`. It counts, over the emitted
claims of relevant verdicts, each defect kind of `bot.analysis.claim_quality.claim_defects`
(a claim ending in an abbreviation, without a verb, a fragment, ...), and over the summaries
of verdicts with new claims, how many repeat a new claim word for word and the longest one.
Prints one JSON line per stream and one for the total; `--show` also lists the defective
claims and repeating summaries on stderr.

`--feeds DIR` also checks text the rules were not written for: every entry of every feed
file under DIR (e.g. ../shared/feeds-corpus, read in place), parsed by the bot's own feed
parser, has its claims extracted the way a relevant article's are, and their defects are
counted (one more JSON line). These texts are mostly off topic, so only claim shape is
judged, not relevance or novelty.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.analysis.claim_quality import QualityMeasures, claim_defects, measure  # noqa: E402
from bot.analysis.claims import extract_claims  # noqa: E402
from bot.errors import NewsbotError  # noqa: E402
from bot.feeds.parse import parse_feed  # noqa: E402

SHARED = ROOT.parent / "shared"
FIELDS = ("id", "title", "url", "source", "published", "text")


def run_stream(name: str, show: bool) -> tuple[dict[str, object], QualityMeasures]:
    labels = SHARED / "eval-dev" / f"{name}.jsonl"
    records = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines() if line]
    titles = {r["id"]: r.get("title") for r in records}
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        inp.write_text(
            "".join(json.dumps({k: r.get(k) for k in FIELDS}) + "\n" for r in records),
            encoding="utf-8",
        )
        with out.open("w", encoding="utf-8") as fh:
            subprocess.run(
                [sys.executable, "-m", "bot", "analyze", "--input", str(inp), "--seeds",
                 str(SHARED / "seeds")],
                cwd=ROOT, stdout=fh, check=True,
            )  # fmt: skip
        scorer = SHARED / "eval-dev" / "score.py"
        scored = subprocess.run(
            [sys.executable, str(scorer), str(labels), str(out), "--json"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        verdicts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    score = json.loads(scored.stdout)
    quality = measure(verdicts, titles)
    if show:
        for article, kind, text in quality.examples:
            print(f"{name} {article} {kind}: {text}", file=sys.stderr)
    row: dict[str, object] = {
        "stream": name,
        "claims": quality.claims,
        "defective_claims": quality.defective_claims,
        "defects": quality.defects,
        "summaries_repeating_a_claim": quality.summaries_repeating_a_claim,
        "summary_chars_max": quality.summary_chars_max,
        "claim_agreement": score["claim_novelty_agreement"],
        "seed_dispute_claim_agreement": score["seed_dispute_claim_agreement"],
        "claims_aligned": score["claims_aligned"],
    }
    return row, quality


FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ".json"}
MIN_ENTRY_CHARS = 300  # shorter entries are teasers, not article text


def run_feeds(folder: Path, show: bool) -> dict[str, object]:
    """Claim defects over the entries of every feed file under `folder`."""
    kinds: Counter[str] = Counter()
    files = entries = claims = defective = 0
    now = datetime.now(UTC)
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in FEED_SUFFIXES):
        try:
            parsed = parse_feed(
                path.read_bytes(), url=path.resolve().as_uri(), headers={}, fetched_at=now
            )
        except (NewsbotError, ValueError):
            continue
        files += 1
        for item in parsed.items:
            text = item.content if len(item.content) > len(item.summary) else item.summary
            if len(text) < MIN_ENTRY_CHARS:
                continue
            entries += 1
            for claim in extract_claims(text, title=item.title):
                claims += 1
                found = claim_defects(claim.text, title=item.title)
                kinds.update(found)
                defective += bool(found)
                if found and show:
                    print(f"{path.name} {','.join(found)}: {claim.text}", file=sys.stderr)
    return {
        "feeds": str(folder),
        "files": files,
        "entries": entries,
        "claims": claims,
        "defective_claims": defective,
        "defects": dict(sorted(kinds.items())),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--streams", default="articles,stream2,stream3")
    ap.add_argument("--show", action="store_true", help="list defective claims on stderr")
    ap.add_argument("--feeds", type=Path, help="also check the entries of feed files under DIR")
    args = ap.parse_args()
    if not (SHARED / "eval-dev").is_dir():
        print(f"error: {SHARED / 'eval-dev'} is absent", file=sys.stderr)
        return 2
    runs = [run_stream(name, args.show) for name in args.streams.split(",") if name]
    for row, _ in runs:
        print(json.dumps(row))
    total: Counter[str] = Counter()
    for _, quality in runs:
        total.update(quality.defects)
    print(
        json.dumps(
            {
                "stream": "total",
                "claims": sum(q.claims for _, q in runs),
                "defective_claims": sum(q.defective_claims for _, q in runs),
                "defects": dict(sorted(total.items())),
                "summaries_repeating_a_claim": sum(q.summaries_repeating_a_claim for _, q in runs),
                "summary_chars_max": max((q.summary_chars_max for _, q in runs), default=0),
            }
        )
    )
    if args.feeds:
        print(json.dumps(run_feeds(args.feeds, args.show)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
