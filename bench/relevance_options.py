"""Would a new relevance feature be chosen? Screens an option by the inner folds.

    .venv/bin/python bench/relevance_options.py --option follows|chars
        [--data ../shared/eval-dev] [--seeds ../shared/seeds] [--grid reduced|full]

For each stream S of the eval folder (read in place), as `eval --fold S` does: the relevance
model is fitted on the other streams and the seeds, once without and once with the option
(bot/evaluation/fit.py, scikit-learn). The option counts as chosen for S only when the inner
leave-one-stream-out F1 (over the training streams alone) is strictly higher with it than
without; S's own F1 plays no part in that choice, it is only reported.

Options:

* `chars`: character 4-grams of each word of title and text (`c:` features, a unit vector
  like the word features);
* `follows`: the article's best party similarity (bot/analysis/stories.py) to an earlier
  on-topic article of its stream or a seed. In the training streams the earlier articles'
  labels say what was on topic; in S the model's own earlier decisions do, as the bot would
  know them at run time.

`--grid reduced` (the default, about 30 times faster than `full`) keeps the look-alike
power, the signals and the Japanese weight at the shipped model's choice and searches C only;
`all-but-japanese` (8 times the reduced) searches all but the Japanese weight; `full`
searches everything `make model` does. Relevance only: the figures exclude the articles the
analysis does not read (stream2's German one). One JSON line per fold, one summary line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.analysis.article_names import head_entities_of, key_entities  # noqa: E402
from bot.analysis.assess import seed_document  # noqa: E402
from bot.analysis.claims import extract_claims, split_sentences, without_headline  # noqa: E402
from bot.analysis.japanese import english_terms, spaced  # noqa: E402
from bot.analysis.japanese_claims import extract_japanese_claims  # noqa: E402
from bot.analysis.language import JAPANESE, check_text  # noqa: E402
from bot.analysis.relevance_model import RelevanceModel, load_model  # noqa: E402
from bot.analysis.stories import article_parties, party_similarity  # noqa: E402
from bot.analysis.tokens import clean  # noqa: E402
from bot.evaluation import fit as F  # noqa: E402
from bot.evaluation.streams import eval_streams  # noqa: E402
from bot.seeds import load_seeds  # noqa: E402

SHARED = ROOT.parent / "shared"
FOLLOWS = "s:follows an on-topic article"


@dataclasses.dataclass(frozen=True)
class Doc:
    id: str
    title: str  # as the relevance model reads it (Japanese spaced apart)
    text: str
    parties: tuple[str, ...]


def _parties(title: str, text: str, japanese: bool) -> tuple[str, ...]:
    """The article's parties as bot/analysis/analyzer.py finds them."""
    if japanese:
        extracted = [j.claim for j in extract_japanese_claims(text, title)]
        title, lead = english_terms(title).text(), english_terms(text[:600]).text()
    else:
        sentences = split_sentences(without_headline(text, title) if title else text)
        extracted = extract_claims(text, title=title, sentences=sentences)
        lead = text[:600]
    key = key_entities(head_entities_of(title, ""), head_entities_of(title, lead), extracted)
    return article_parties(key, title, lead[:400])


def _docs(labels: Sequence[dict]) -> list[Doc]:
    out = []
    for r in labels:
        checked = check_text(r.get("text") or "")
        if checked.problem is not None:
            continue  # not analysed: not in the fit either
        title, text = clean(r.get("title") or ""), clean(r.get("text") or "")
        japanese = checked.language == JAPANESE
        parties = _parties(title, text, japanese)
        if japanese:
            title, text = spaced(title), spaced(text)
        out.append(Doc(str(r["id"]), title, text, parties))
    return out


def char_grams(title: str, text: str) -> dict[str, float]:
    grams = set()
    for w in f"{title}\n{text}".lower().split():
        w = f" {w.strip('.,;:!?()[]{}“”‘’' + chr(34))} "
        grams.update(w[i : i + 4] for i in range(len(w) - 3))
    return {"c:" + g: 1.0 / math.sqrt(len(grams)) for g in grams} if grams else {}


def _follows(mine: tuple[str, ...], earlier: Sequence[tuple[str, ...]]) -> float:
    return max((party_similarity(mine, p) for p in earlier), default=0.0)


def _with(e: F.Example, extra: dict[str, float]) -> F.Example:
    return dataclasses.replace(e, words={**e.words, **extra})


def _fit(train: list[F.Example], grid: str, shipped: RelevanceModel) -> RelevanceModel:
    if grid == "full":
        return F.fit(train)
    if grid == "all-but-japanese":
        return F.fit(train, japanese_weights=(float(shipped.about["japanese_weight"]),))
    return F.fit(
        train,
        powers=(shipped.penalty_power,),
        feature_sets=(str(shipped.about["signals"]),),
        japanese_weights=(float(shipped.about["japanese_weight"]),),
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--option", choices=("follows", "chars"), required=True)
    ap.add_argument("--data", type=Path, default=SHARED / "eval-dev")
    ap.add_argument("--seeds", type=Path, default=SHARED / "seeds")
    ap.add_argument("--grid", choices=("reduced", "all-but-japanese", "full"), default="reduced")
    args = ap.parse_args(argv)
    if not args.data.is_dir() or not args.seeds.is_dir():
        print(f"no eval folder or seeds at {args.data}, {args.seeds}", file=sys.stderr)
        return 2
    shipped = load_model()
    streams = eval_streams(args.data)
    docs = {s.name: _docs(s.labels) for s in streams}
    base = {s.name: F.stream_examples(s) for s in streams}
    seeds = F.seed_examples(args.seeds)
    seed_docs = []
    for seed in load_seeds(args.seeds):
        doc = seed_document(seed)
        body = doc.text if doc.text is not None else " ".join(doc.claims)
        title, text = clean(doc.title), clean(body)
        seed_docs.append(Doc(seed.id, title, text, _parties(title, text, False)))
    # the option's features of an example, given the parties of the on-topic articles before it
    extra: Callable[[Doc, list[tuple[str, ...]]], dict[str, float]]
    if args.option == "chars":
        extra = lambda d, _: char_grams(d.title, d.text)  # noqa: E731
    else:
        extra = lambda d, earlier: {FOLLOWS: _follows(d.parties, earlier)}  # noqa: E731
    seed_parties = [d.parties for d in seed_docs]
    with_option: dict[str, list[F.Example]] = {}
    for name, exs in base.items():
        earlier, got = list(seed_parties), []
        for e, d in zip(exs, docs[name], strict=True):
            got.append(_with(e, extra(d, earlier)))
            if e.relevant:  # the label, in a training stream
                earlier.append(d.parties)
        with_option[name] = got
    seeds_x = [_with(e, extra(d, [])) for e, d in zip(seeds, seed_docs, strict=True)]
    summary = {}
    for held in (s.name for s in streams):
        row: dict[str, object] = {"fold": held}
        for label, exs, sd in (("without", base, seeds), ("with", with_option, seeds_x)):
            t0 = time.process_time()
            model = _fit(
                [e for n, x in exs.items() if n != held for e in x] + sd, args.grid, shipped
            )
            inner = max(t["held_out_f1"] for t in model.about["tuning_leave_one_stream_out"])
            earlier, said = list(seed_parties), []
            for e, d in zip(base[held], docs[held], strict=True):
                f = _with(e, extra(d, earlier)) if label == "with" else e
                said.append(model.probability(f.features(model.penalty_power)) >= 0.5)
                if said[-1]:  # the model's own decision, in the held-out stream
                    earlier.append(d.parties)
            gold = [e.relevant for e in base[held]]
            tp = sum(s and g for s, g in zip(said, gold, strict=True))
            fp = sum(s and not g for s, g in zip(said, gold, strict=True))
            fn = sum(g and not s for s, g in zip(said, gold, strict=True))
            row[label] = {
                "inner_f1": inner,
                "held_out_f1": round(2 * tp / (2 * tp + fp + fn), 3),
                "tp": tp,
                "fp": fp,
                "fn": fn,
                "wrong": [d.id for d, s, g in zip(docs[held], said, gold, strict=True) if s != g],
                "C": model.about["C"],
                "weight": round(model.weights.get(FOLLOWS, 0.0), 3)
                if args.option == "follows"
                else sum(k.startswith("c:") for k in model.weights),
                "cpu_s": round(time.process_time() - t0, 1),
            }
        chosen = row["with"]["inner_f1"] > row["without"]["inner_f1"]  # type: ignore[index]
        row["chosen"] = "with" if chosen else "without"
        summary[held] = row[row["chosen"]]["held_out_f1"]  # type: ignore[index]
        print(json.dumps(row), flush=True)
    print(json.dumps({"option": args.option, "grid": args.grid, "held_out_f1_as_chosen": summary}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
