"""The analysis index: what later analyses look up (claims and story members, FTS5).

Implements the look-ups of bot.analysis.memory on SQLite; the analysis re-scores what it gets.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.analysis.memory import ClaimQuery, KnownClaim, KnownStory, MemoryRecord, StoryQuery
from bot.store.base import StoreBase
from bot.timeutil import iso, parse_iso


class AnalysisIndexMixin(StoreBase):
    """Remembering analysed articles, and finding candidate claims and stories."""

    # A query keeps its rarest words, in order of rarity, while the postings they would read
    # stay within POSTINGS_BUDGET (and at least MIN_QUERY_TERMS words): bm25 gives common
    # words little weight anyway, and their long posting lists are what would make retrieval
    # slow as history grows. The work per query is so bounded by the budget, not the history.
    MAX_QUERY_TERMS = 12
    MIN_QUERY_TERMS = 2
    POSTINGS_BUDGET = 150
    STORY_QUERY_HITS = 40
    STORY_MEMBERS = 4

    def remember_analysis(self, record: MemoryRecord) -> None:
        """Keep what later analyses look up: a relevant article's claims and story membership.
        Idempotent: an article already remembered is left as it is."""
        if not record.relevant or record.story is None:
            return
        with self.transaction():
            known = self.db.execute(
                "SELECT 1 FROM analysis_members WHERE article_id = ?", [record.article_id]
            ).fetchone()
            if known:
                return
            published = iso(record.published)
            self.db.conn.executemany(
                "INSERT INTO analysis_terms(term, df) VALUES (?, 1)"
                " ON CONFLICT(term) DO UPDATE SET df = df + 1",
                [(t,) for terms in (*record.claim_terms, record.terms) for t in set(terms)],
            )
            self.db.conn.executemany(
                "INSERT INTO analysis_claims(terms, text, article_id, story_id, entities,"
                " numbers, published, is_seed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        " ".join(terms),
                        claim.text,
                        record.article_id,
                        record.story,
                        json.dumps(list(claim.entities), ensure_ascii=False),
                        json.dumps(list(claim.numbers), ensure_ascii=False),
                        published,
                        int(record.is_seed),
                    )
                    for claim, terms in zip(record.claims, record.claim_terms, strict=True)
                ],
            )
            if record.story_title:  # the first article of a story names it
                self.db.execute(
                    "INSERT OR IGNORE INTO stories(id, title, category, first_article_id,"
                    " created_at) VALUES (?, ?, ?, ?, ?)",
                    [
                        record.story,
                        record.story_title,
                        record.category,
                        record.article_id,
                        published,
                    ],
                )
            self.db.execute(
                "INSERT INTO analysis_heads(terms, article_id, story_id) VALUES (?, ?, ?)",
                [" ".join(record.terms), record.article_id, record.story],
            )
            self.db.execute(
                "INSERT INTO analysis_members(article_id, story_id, title, lead, terms, published,"
                " category, entities, is_seed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    record.article_id,
                    record.story,
                    record.title,
                    record.lead,
                    " ".join(record.terms),
                    published,
                    record.category,
                    json.dumps(list(record.entities), ensure_ascii=False),
                    int(record.is_seed),
                ],
            )

    def claim_candidates(self, query: ClaimQuery, limit: int) -> list[KnownClaim]:
        """The stored claims that best match `query.terms` (FTS5 bm25, rarest words only)."""
        with self._lock:
            chosen, match = self._rare_query(query.terms)
            if not chosen:
                return []
            rows = self.db.execute(
                "SELECT rowid, text, article_id, story_id, entities, numbers, published, is_seed,"
                " terms FROM analysis_claims WHERE analysis_claims MATCH ?"
                " ORDER BY rank LIMIT ?",
                [match, limit],
            ).fetchall()
        return [
            KnownClaim(
                text=r[1],
                source_id=r[2],
                seq=int(r[0]),
                story=r[3],
                entities=tuple(json.loads(r[4] or "[]")),
                numbers=tuple(json.loads(r[5] or "[]")),
                published=parse_iso(r[6]),
                is_seed=bool(r[7]),
                terms=tuple((r[8] or "").split()),
            )
            for r in rows
        ]

    def story_candidates(self, query: StoryQuery, limit: int) -> list[KnownStory]:
        """Stories whose articles' titles and leads best match `query.terms` (FTS5 bm25)."""
        with self._lock:
            terms = self._rare_terms(query.terms)
            if not terms:
                return []
            hits = self.db.execute(
                "SELECT story_id FROM analysis_heads WHERE analysis_heads MATCH ?"
                " ORDER BY rank LIMIT ?",
                [fts_or(terms), self.STORY_QUERY_HITS],
            ).fetchall()
            story_ids = list(dict.fromkeys(h[0] for h in hits))[:limit]
            return self._stories(story_ids)

    def stories_by_id(self, story_ids: Sequence[str]) -> list[KnownStory]:
        """The stories with these ids (unknown ids are skipped)."""
        with self._lock:
            return self._stories(story_ids)

    def _stories(self, story_ids: Sequence[str]) -> list[KnownStory]:
        ids = list(dict.fromkeys(story_ids))
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        members: dict[str, list[Any]] = {}
        for row in self.db.execute(
            "SELECT story_id, article_id, title, terms, published, category, entities FROM"
            " (SELECT *, ROW_NUMBER() OVER (PARTITION BY story_id ORDER BY seq) AS n,"
            "  ROW_NUMBER() OVER (PARTITION BY story_id ORDER BY seq DESC) AS m"
            f"  FROM analysis_members WHERE story_id IN ({marks}))"
            " WHERE n <= ? OR m <= ? ORDER BY seq",
            [*ids, self.STORY_MEMBERS, self.STORY_MEMBERS],
        ).fetchall():
            members.setdefault(row[0], []).append(row[1:])
        stats = {
            row[0]: (int(row[1]), row[2])
            for row in self.db.execute(
                "SELECT story_id, COUNT(*), MAX(published) FROM analysis_members"
                f" WHERE story_id IN ({marks}) GROUP BY story_id",
                ids,
            ).fetchall()
        }
        titles = dict(
            self.db.execute(f"SELECT id, title FROM stories WHERE id IN ({marks})", ids).fetchall()
        )
        stories = []
        for story_id in ids:
            rows = members.get(story_id, [])  # the first and the last few members
            if not rows:
                continue
            size, last = stats[story_id]
            first = rows[0]
            entities: list[str] = []
            parties: list[tuple[str, ...]] = []
            for m in rows:
                parties.append(tuple(json.loads(m[5] or "[]")))
                for e in parties[-1]:
                    if e not in entities:
                        entities.append(e)
            stories.append(
                KnownStory(
                    story_id=story_id,
                    first_source=first[0],
                    first_title=first[1] or "",
                    first_published=parse_iso(first[3]),
                    last_published=parse_iso(last),
                    category=first[4],
                    entities=tuple(entities),
                    heads=tuple(m[2] or "" for m in rows),
                    size=size,
                    members=tuple(parties),
                    title=titles.get(story_id) or "",
                )
            )
        return stories

    def _rare_terms(self, terms: Sequence[str]) -> list[str]:
        """The query words worth looking up: known ones, rarest first, within the budget."""
        return self._rare_query(terms)[0]

    def _rare_query(self, terms: Sequence[str]) -> tuple[list[str], str]:
        """The chosen words and the FTS5 query for them: any of them while their postings fit
        the budget; when even the rarest two exceed it (the text has no rare word), both
        of those two are required, so ranking never reads a long list of weak matches."""
        wanted = [t for t in dict.fromkeys(terms) if t][:200]
        if not wanted:
            return [], ""
        marks = ",".join("?" * len(wanted))
        df = dict(
            self.db.execute(
                f"SELECT term, df FROM analysis_terms WHERE term IN ({marks})", wanted
            ).fetchall()
        )
        chosen: list[str] = []
        spent = 0
        for t in sorted(df, key=lambda t: (df[t], t)):
            if len(chosen) >= self.MAX_QUERY_TERMS:
                break
            if len(chosen) >= self.MIN_QUERY_TERMS and spent + df[t] > self.POSTINGS_BUDGET:
                break
            chosen.append(t)
            spent += df[t]
        if len(chosen) >= 2 and spent > self.POSTINGS_BUDGET:
            return chosen[:2], " AND ".join(fts_quote(t) for t in chosen[:2])
        return chosen, fts_or(chosen)


def fts_quote(term: str) -> str:
    """One word as an FTS5 string: quoted, so no word is read as query syntax."""
    return '"' + term.replace('"', '""') + '"'


def fts_or(terms: Sequence[str]) -> str:
    """An FTS5 query matching any of `terms`, each quoted so no word is read as syntax."""
    return " OR ".join(fts_quote(t) for t in terms)
