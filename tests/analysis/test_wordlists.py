"""The analysis's word lists: data files with a header, read by bot/analysis/wordlists.py."""

import re

from bot.analysis.aliases import alias_table, canonical_entities
from bot.analysis.wordlists import DATA_DIR, generic_name_words, not_entity_words, stopwords


def test_every_list_says_what_it_is_for_and_holds_each_entry_once() -> None:
    files = sorted(DATA_DIR.glob("*.txt"))
    assert files
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# "), f"{path.name} has no comment header"
        entries = [line for line in lines if line and not line.startswith("#")]
        assert entries, f"{path.name} is empty"
        assert len(entries) == len(set(entries)), f"{path.name} repeats an entry"
        assert all(e == e.strip() for e in entries), f"{path.name} has padded entries"


def test_lists_load_without_comments_and_keep_case_where_it_matters() -> None:
    assert "the" in stopwords() and "said" in stopwords()
    assert not any(w.startswith("#") for w in stopwords())
    assert "court" in generic_name_words()
    assert "However" in not_entity_words() and "however" not in not_entity_words()


def test_alias_table_patterns_compile_and_case_sensitive_names_are_entries() -> None:
    table = alias_table()
    assert "OpenAI" in table.aliases
    assert table.case_sensitive <= set(table.aliases)
    for patterns in table.aliases.values():
        for p in patterns:
            re.compile(p)
    # literal strings keep backslashes and the curly apostrophe as written
    assert canonical_entities("Sam Altman’s company sued") == {"OpenAI"}
    assert canonical_entities("an ap of news") == set()


def test_the_relevance_term_lists_load_compile_and_name_every_category() -> None:
    import re

    from bot.analysis.relevance import term_lists

    terms = term_lists()
    families = (terms.ai, terms.training, terms.unauthorised_use, terms.dispute, terms.owner)
    families += (terms.deal, terms.rule, *terms.negatives.values(), *terms.categories.values())
    for family in families:
        assert family, "an empty term list"
        for pattern in family:
            re.compile(pattern, re.IGNORECASE)  # raises on a broken pattern
    assert set(terms.category_order) == set(terms.categories)
    assert "output copyrightability" in terms.negatives
    assert r"(?-i:AI)(?:-\w+)?" in terms.ai  # a backslash survives the TOML file
