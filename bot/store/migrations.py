"""The database schema, as an ordered list of sqlite-utils migrations.

Add a new function at the end for every change; never edit one that has shipped.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations


def build_migrations() -> Migrations:
    """Return the migration set, built on request (no module-level registry)."""
    migrations = Migrations("newsbot")

    @migrations()
    def m001_initial(db: Database) -> None:
        db["feeds"].create(  # type: ignore[union-attr]
            {
                "url": str,
                "name": str,
                "title": str,
                "added_at": str,
                "interval_minutes": int,
                "backfill": int,
                "etag": str,
                "last_modified": str,
                "last_checked_at": str,
                "last_success_at": str,
                "last_error": str,
                "last_error_at": str,
                "consecutive_failures": int,
                "next_check_at": str,
                "failing_notified": int,
                "first_poll_done": int,
            },
            pk="url",
            not_null={"url"},
            defaults={"consecutive_failures": 0, "failing_notified": 0, "first_poll_done": 0},
        )
        db["stories"].create(  # type: ignore[union-attr]
            {
                "id": str,
                "title": str,
                "category": str,
                "first_article_id": str,
                "created_at": str,
                "updated_at": str,
            },
            pk="id",
        )
        db["articles"].create(  # type: ignore[union-attr]
            {
                "id": str,
                "kind": str,  # "seed" or "feed"
                "url": str,
                "title": str,
                "source": str,
                "published": str,
                "seen_at": str,
                "feed_url": str,
                "body": str,
                "status": str,  # alerted | not_relevant | nothing_new | recorded | pending
                "reason": str,
                "relevant": int,
                "relevance": float,
                "category": str,
                "story_id": str,
                "duplicate_of": str,
                "verdict": str,  # the whole Verdict as JSON
            },
            pk="id",
            not_null={"id", "kind", "seen_at", "status"},
            defaults={"status": "pending"},
        )
        db["articles"].create_index(["url"])  # type: ignore[union-attr]
        db["articles"].create_index(["story_id"])  # type: ignore[union-attr]
        db["articles"].create_index(["seen_at"])  # type: ignore[union-attr]
        db["articles"].enable_fts(  # type: ignore[union-attr]
            ["title", "body"], fts_version="FTS5", create_triggers=True, tokenize="porter"
        )
        # Title matches weigh ten times body matches in the default ranking.
        db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES('rank', 'bm25(10.0, 1.0)')")
        db["claims"].create(  # type: ignore[union-attr]
            {
                "id": int,
                "article_id": str,
                "position": int,
                "text": str,
                "entities": str,  # JSON list
                "numbers": str,  # JSON list
                "novel": int,
                "seen_in": str,
                "published": str,
                "story_id": str,
            },
            pk="id",
            not_null={"article_id", "text"},
            foreign_keys=[("article_id", "articles", "id")],
        )
        db["claims"].create_index(["article_id"])  # type: ignore[union-attr]
        db["claims"].enable_fts(  # type: ignore[union-attr]
            ["text"], fts_version="FTS5", create_triggers=True, tokenize="porter"
        )
        db["outbox"].create(  # type: ignore[union-attr]
            {
                "id": int,
                "kind": str,  # alert | notice
                "article_id": str,
                "destination": str,
                "payload": str,  # JSON of what to show
                "status": str,  # pending | sent | dead
                "attempts": int,
                "next_attempt_at": str,
                "last_error": str,
                "created_at": str,
                "sent_at": str,
                "message_ref": str,  # platform message id, once known
            },
            pk="id",
            not_null={"kind", "destination", "payload", "status", "created_at"},
            defaults={"status": "pending", "attempts": 0},
        )
        db["outbox"].create_index(["status", "id"])  # type: ignore[union-attr]
        db["outbox"].create_index(  # type: ignore[union-attr]
            ["kind", "article_id", "destination"], unique=True
        )

    # ------------------------------------------------------------ feeds area

    @migrations()
    def m010_feeds_health(db: Database) -> None:
        """Fetch URL after permanent redirects, body hash, where a feed came from; item guids."""
        feeds = db["feeds"]
        feeds.add_column("fetch_url", str)  # type: ignore[union-attr]
        feeds.add_column("content_hash", str)  # type: ignore[union-attr]
        feeds.add_column("origin", str, not_null_default="config")  # type: ignore[union-attr]
        feeds.add_column("last_status", str)  # type: ignore[union-attr]
        feeds.add_column("last_warning", str)  # type: ignore[union-attr]  # malformed, parsed
        articles = db["articles"]
        articles.add_column("guid", str)  # type: ignore[union-attr]
        articles.add_column("text_source", str)  # type: ignore[union-attr]  # feed | page
        articles.add_column("text_note", str)  # type: ignore[union-attr]  # why that source
        articles.create_index(["feed_url", "guid"])  # type: ignore[union-attr]

    # ------------------------------------------------------------ chat (bot/chat/)

    @migrations()
    def m020_chat_threads_and_intents(db: Database) -> None:
        # When a send was started: a row with intent_at set and still pending may or may
        # not have reached the platform; delivery reconciles it before sending again.
        db["outbox"].add_column("intent_at", str)  # type: ignore[union-attr]
        # One thread per (destination, story): the first alert of a story opens it.
        db["chat_threads"].create(  # type: ignore[union-attr]
            {
                "destination": str,
                "story_id": str,
                "channel_id": str,
                "message_id": str,
                "thread_id": str,
                "created_at": str,
            },
            pk=("destination", "story_id"),
            not_null={"destination", "story_id", "message_id"},
        )

    # ------------------------------------------------------- analysis (bot/analysis/)

    @migrations()
    def m030_analysis_memory(db: Database) -> None:
        # What the analysis looks up (bot.analysis.memory protocols), written by
        # Store.remember_analysis. Claims are indexed under the analysis's own words
        # (alias-canonicalised content words), so queries and index always agree;
        # rowid order is arrival order, seeds first.
        db.execute(
            "CREATE VIRTUAL TABLE analysis_claims USING fts5("
            "terms, text UNINDEXED, article_id UNINDEXED, story_id UNINDEXED,"
            " entities UNINDEXED, numbers UNINDEXED, published UNINDEXED, is_seed UNINDEXED,"
            " tokenize = 'unicode61')"
        )
        # how many stored claims use each word: a query keeps its rarest words only
        db["analysis_terms"].create({"term": str, "df": int}, pk="term")  # type: ignore[union-attr]
        db.execute(
            "CREATE VIRTUAL TABLE analysis_heads USING fts5("
            "terms, article_id UNINDEXED, story_id UNINDEXED, tokenize = 'unicode61')"
        )
        db["analysis_members"].create(  # type: ignore[union-attr]
            {
                "seq": int,
                "article_id": str,
                "story_id": str,
                "title": str,
                "lead": str,
                "terms": str,  # index words of title + lead
                "published": str,
                "category": str,
                "entities": str,  # JSON list
                "is_seed": int,
            },
            pk="seq",
            not_null={"article_id", "story_id"},
        )
        db["analysis_members"].create_index(["story_id", "seq"])  # type: ignore[union-attr]
        db["analysis_members"].create_index(["article_id"], unique=True)  # type: ignore[union-attr]

    @migrations()
    def m030_ops_heartbeat(db: Database) -> None:
        # One row, rewritten by the running bot; `newsbot health` reads it (bot/health.py).
        db["ops_heartbeat"].create(  # type: ignore[union-attr]
            {
                "id": int,
                "beat_at": str,
                "started_at": str,
                "state": str,  # running | stopped
                "pid": int,
                "version": str,
            },
            pk="id",
            not_null={"beat_at", "started_at", "state"},
        )

    # ------------------------------------------------------- retention (bot/retention.py)

    @migrations()
    def m040_retention(db: Database) -> None:
        # When the retention pass removed an article's full text (NULL: never removed).
        db["articles"].add_column("body_removed_at", str)  # type: ignore[union-attr]
        # What the pass looks for, so each step reads only rows it will change (not every
        # body already removed): feed articles still holding a body, oldest first; sent or
        # dead outbox rows still holding a payload.
        db.execute(
            "CREATE INDEX idx_articles_body_kept ON articles(seen_at)"
            " WHERE body IS NOT NULL AND kind = 'feed'"
        )
        db.execute(
            "CREATE INDEX idx_outbox_payload_kept ON outbox(id)"
            " WHERE status IN ('sent', 'dead') AND payload != '{}'"
        )

    # ------------------------------------------------------- routes (bot/routes.py)

    @migrations()
    def m041_routes(db: Database) -> None:
        # Routes added from chat (/news route add); config routes are never stored.
        db["chat_routes"].create(  # type: ignore[union-attr]
            {"name": str, "spec": str, "added_by": str, "added_at": str},  # spec: JSON
            pk="name",
            not_null={"spec", "added_at"},
        )
        # Alerts held for a digest route until its time; `digest` names the digest's
        # outbox row (its article_id) once released, in the same transaction.
        db["route_held"].create(  # type: ignore[union-attr]
            {
                "id": int,
                "route": str,
                "article_id": str,
                "payload": str,
                "created_at": str,
                "digest": str,
            },
            pk="id",
            not_null={"route", "article_id", "payload", "created_at"},
        )
        db["route_held"].create_index(["route", "article_id"], unique=True)  # type: ignore[union-attr]
        db["route_held"].create_index(["route", "digest"])  # type: ignore[union-attr]

    # ------------------------------------------------------- paused feeds (bot/feeds/manage.py)

    @migrations()
    def m042_feeds_paused(db: Database) -> None:
        # A feed paused from chat or `newsbot feeds pause` is kept but not polled; every
        # feed of an older database goes on being polled.
        db["feeds"].add_column("paused", int, not_null_default=0)  # type: ignore[union-attr]

    # ------------------------------------------------------- languages (bot/analysis/language.py)

    @migrations()
    def m043_article_language(db: Database) -> None:
        # The language of each analysed article (bot/analysis/language.py); older rows were
        # all read as English. Japanese text goes to a search index of its own
        # (bot/store/search_ja.py): FTS5's unicode61 does not split Japanese into words.
        db["articles"].add_column("language", str)  # type: ignore[union-attr]
        db.execute(
            "CREATE VIRTUAL TABLE articles_ja_fts USING fts5("
            "title, body, names, article_id UNINDEXED, tokenize = 'unicode61')"
        )

    # ------------------------------------------------------------ search (bot/store/search.py)

    @migrations()
    def m044_search_indexes(db: Database) -> None:
        """Article search reads two external-content FTS5 indexes over the articles table
        (no copy of the text): title and body, and titles alone, so that title matches are
        found without walking every body posting. The triggers re-index a row only when its
        title or body changes (an UPDATE of the status or a cleared body costs what it must);
        they run inside the writing transaction, so the index never disagrees with the
        table, even after a crash. `rebuild` fills both from the table."""
        for trigger in ("articles_ai", "articles_ad", "articles_au"):
            db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        db.execute("DROP TABLE IF EXISTS articles_fts")
        # content="articles" in double quotes is how sqlite-utils and Datasette find a
        # table's FTS index; the title index is written so that they do not pick it.
        for table, columns, content in (
            ("articles_fts", "title, body", '"articles"'),
            ("articles_title_fts", "title", "'articles'"),
        ):
            db.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5({columns}, content={content},"
                " content_rowid='rowid', tokenize='porter')"
            )
        # Title matches weigh ten times body matches wherever the index's own rank is used.
        db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES('rank', 'bm25(10.0, 1.0)')")
        for trigger in _SEARCH_TRIGGERS.split("END;")[:-1]:
            db.execute(trigger + "END;")  # one by one: executescript would commit
        db.execute("INSERT INTO articles_fts(articles_fts) VALUES('rebuild')")
        db.execute("INSERT INTO articles_title_fts(articles_title_fts) VALUES('rebuild')")

    # ------------------------------------------------------- feedback (bot/store/feedback.py)

    @migrations()
    def m045_feedback(db: Database) -> None:
        # Reader feedback on alerts; revoked feedback keeps its row (revoked_at set).
        db["feedback"].create(  # type: ignore[union-attr]
            {
                "id": int,
                "kind": str,  # not_topic | nothing_new | mute | missed
                "article_id": str,
                "story_id": str,
                "destination": str,
                "user_id": str,
                "user_name": str,
                "created_at": str,
                "revoked_at": str,
                "revoked_by": str,
            },
            pk="id",
            not_null={"kind", "article_id", "created_at"},
        )
        db["feedback"].create_index(["article_id"])  # type: ignore[union-attr]
        db["feedback"].create_index(["kind", "destination"])  # type: ignore[union-attr]
        # Relevance models refitted on this installation's feedback, newest last.
        db["installation_models"].create(  # type: ignore[union-attr]
            {"id": int, "fitted_at": str, "model": str, "report": str},
            pk="id",
            not_null={"fitted_at", "model"},
        )

    # ------------------------------------------------------- feeds at scale (issue 13)

    @migrations()
    def m046_feeds_fetch_url_index(db: Database) -> None:
        # find_feed (every add, import, remove, pause) looks a feed up by the URL it was
        # added with OR the URL it is fetched from: without this index each lookup read
        # the whole feeds table, so importing 10,000 feeds took quadratic time.
        db["feeds"].create_index(["fetch_url"])  # type: ignore[union-attr]

    # ------------------------------------------- batched search writes (store/search_writes.py)

    @migrations()
    def m047_search_index_deferred(db: Database) -> None:
        """While `search_index_deferred` holds a row, the insert trigger leaves new rows to
        the writer, which indexes them all with one statement per index, in its transaction
        (FTS5 costs a statement's overhead per trigger call). Empty: indexed as before."""
        db.execute("CREATE TABLE search_index_deferred (id INTEGER PRIMARY KEY CHECK (id = 1))")
        db.execute("DROP TRIGGER articles_ai")
        db.execute(
            "CREATE TRIGGER articles_ai AFTER INSERT ON articles"
            " WHEN NOT EXISTS (SELECT 1 FROM search_index_deferred) BEGIN"
            " INSERT INTO articles_fts (rowid, title, body)"
            " VALUES (new.rowid, new.title, new.body);"
            " INSERT INTO articles_title_fts (rowid, title) VALUES (new.rowid, new.title);"
            " END"
        )

    # ------------------------------------------------------------ search (bot/store/search.py)

    @migrations()
    def m048_search_without_positions(db: Database) -> None:
        """The article search indexes keep which articles hold a word, not where in them
        (FTS5 detail=none): search asks only for articles holding every word, each word
        one token (bot/store/search.py), never a phrase or a column, and ranks from the
        text itself; the positions were 1.1 KB of the 1.4 KB an article took in the index.
        The triggers of m044 and m047 write them as before; `rebuild` fills both from the table."""
        db.execute("DROP TABLE articles_fts")
        db.execute("DROP TABLE articles_title_fts")
        for table, columns, content in (
            ("articles_fts", "title, body", '"articles"'),
            ("articles_title_fts", "title", "'articles'"),
        ):
            db.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5({columns}, content={content},"
                " content_rowid='rowid', tokenize='porter', detail=none)"
            )
        db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES('rank', 'bm25(10.0, 1.0)')")
        db.execute("INSERT INTO articles_fts(articles_fts) VALUES('rebuild')")
        db.execute("INSERT INTO articles_title_fts(articles_title_fts) VALUES('rebuild')")

    # ----------------------------------------------- Japanese search (bot/store/search_ja.py)

    @migrations()
    def m049_search_ja_compounds(db: Database) -> None:
        # The Japanese index gains the character bigrams of titles and bodies, so that a part
        # of a word the dictionary keeps whole is found (読売 of 読売新聞社). FTS5 cannot add a
        # column: the index is made again from its own rows.
        from bot.store.search_ja import add_grams_to_index

        add_grams_to_index(db.conn)

    # ------------------------------------------------------- packed bodies (bot/store/bodies.py)

    @migrations()
    def m050_packed_bodies(db: Database) -> None:
        """Bodies are stored zlib-compressed (bot/store/bodies.py: half the size; about 1 KB
        an article of the 3.4 KB it took). The search index reads them through the view
        `articles_text` (body_text(body), a function each store connection registers), so
        FTS5's rebuild, integrity check and snippets see the text; its triggers unpack the
        same way. The titles' index reads only titles and stays as it is. Datasette finds
        the index for the view (content="articles_text", the way it looks) and for the table
        from the archive's metadata (docker/archive-metadata.yml)."""
        from bot.store.bodies import register

        register(db.conn)  # Store.open has; a bare connection running the migrations may not
        for trigger in ("articles_ai", "articles_ad", "articles_au"):
            db.execute(f"DROP TRIGGER {trigger}")
        db.execute("DROP TABLE articles_fts")
        _pack_stored_bodies(db)
        db.execute(
            "CREATE VIEW articles_text AS SELECT rowid AS rowid, id, title,"
            " body_text(body) AS body, url, source, published, seen_at, status FROM articles"
        )
        db.execute(
            'CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content="articles_text",'
            " content_rowid='rowid', tokenize='porter', detail=none)"
        )
        db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES('rank', 'bm25(10.0, 1.0)')")
        for trigger in _PACKED_TRIGGERS.split("END;")[:-1]:
            db.execute(trigger + "END;")
        db.execute("INSERT INTO articles_fts(articles_fts) VALUES('rebuild')")

    return migrations


_SEARCH_TRIGGERS = """
CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
  INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body);
  INSERT INTO articles_title_fts (rowid, title) VALUES (new.rowid, new.title);
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
  INSERT INTO articles_fts (articles_fts, rowid, title, body)
    VALUES ('delete', old.rowid, old.title, old.body);
  INSERT INTO articles_title_fts (articles_title_fts, rowid, title)
    VALUES ('delete', old.rowid, old.title);
END;
CREATE TRIGGER articles_au AFTER UPDATE OF title, body ON articles
WHEN old.title IS NOT new.title OR old.body IS NOT new.body BEGIN
  INSERT INTO articles_fts (articles_fts, rowid, title, body)
    VALUES ('delete', old.rowid, old.title, old.body);
  INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body);
END;
CREATE TRIGGER articles_title_au AFTER UPDATE OF title ON articles
WHEN old.title IS NOT new.title BEGIN
  INSERT INTO articles_title_fts (articles_title_fts, rowid, title)
    VALUES ('delete', old.rowid, old.title);
  INSERT INTO articles_title_fts (rowid, title) VALUES (new.rowid, new.title);
END;
"""


def _pack_stored_bodies(db: Database) -> None:
    """m050: every stored body packed, 500 rows at a time deleted and inserted again (same
    rowid, every other column as it was), as the retention pass rewrites rows: an UPDATE
    would leave the space it frees inside each page, where nothing reuses it; this way the
    rows fill fewer pages and the rest go to the free list (`newsbot storage --vacuum`
    gives them back to the disk). Foreign keys are checked at the commit."""
    db.execute("PRAGMA defer_foreign_keys = ON")
    columns = [r[1] for r in db.execute("PRAGMA table_info(articles)").fetchall()]
    names = ", ".join(f'"{c}"' for c in columns)
    packed = ", ".join("body_pack(body)" if c == "body" else f'"{c}"' for c in columns)
    db.execute(f"CREATE TEMP TABLE m050_rows AS SELECT rowid AS r, {names} FROM articles LIMIT 0")
    last = -(2**63)  # below every rowid
    while True:
        row = db.execute(
            "SELECT max(rowid) FROM (SELECT rowid FROM articles WHERE rowid > ?"
            " ORDER BY rowid LIMIT 500)",
            [last],
        ).fetchone()
        if row[0] is None:
            break
        bounds = [last, row[0]]
        db.execute(
            f"INSERT INTO m050_rows SELECT rowid, {packed} FROM articles"
            " WHERE rowid > ? AND rowid <= ?",
            bounds,
        )
        db.execute("DELETE FROM articles WHERE rowid > ? AND rowid <= ?", bounds)
        db.execute(f"INSERT INTO articles (rowid, {names}) SELECT r, {names} FROM m050_rows")
        db.execute("DELETE FROM m050_rows")
        last = row[0]
    db.execute("DROP TABLE m050_rows")


# m050: as m044 and m047 wrote them, reading the text of a packed body.
_PACKED_TRIGGERS = """
CREATE TRIGGER articles_ai AFTER INSERT ON articles
WHEN NOT EXISTS (SELECT 1 FROM search_index_deferred) BEGIN
  INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid, new.title, body_text(new.body));
  INSERT INTO articles_title_fts (rowid, title) VALUES (new.rowid, new.title);
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
  INSERT INTO articles_fts (articles_fts, rowid, title, body)
    VALUES ('delete', old.rowid, old.title, body_text(old.body));
  INSERT INTO articles_title_fts (articles_title_fts, rowid, title)
    VALUES ('delete', old.rowid, old.title);
END;
CREATE TRIGGER articles_au AFTER UPDATE OF title, body ON articles
WHEN old.title IS NOT new.title OR old.body IS NOT new.body BEGIN
  INSERT INTO articles_fts (articles_fts, rowid, title, body)
    VALUES ('delete', old.rowid, old.title, body_text(old.body));
  INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid, new.title, body_text(new.body));
END;
"""
