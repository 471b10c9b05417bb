"""Japanese articles: language, sentences, words, numbers, names, and comparison with earlier
claims in English, on texts we wrote."""

from datetime import UTC, datetime

import pytest

from bot.analysis.analyzer import Analyzer
from bot.analysis.japanese import english_numbers, english_terms, sentences, spaced
from bot.analysis.japanese_claims import extract_japanese_claims
from bot.analysis.language import check_text, identify_language, language_name
from bot.analysis.memory import InMemoryMemory
from bot.analysis.tokens import numbers
from bot.models import Article

ENGLISH_SUIT = Article(
    id="en-suit",
    title="Yomiuri Shimbun sues Perplexity over its articles",
    url=None,
    source="Wire",
    published=datetime(2025, 8, 7, tzinfo=UTC),
    text=(
        "The Yomiuri Shimbun sued Perplexity in the Tokyo District Court on August 7, seeking "
        "2.17 billion yen in damages. The newspaper says the AI search engine copied its "
        "articles without permission to answer questions from users, infringing its copyright. "
        "Perplexity did not respond to a request for comment on the lawsuit."
    ),
)

JAPANESE_SUIT = Article(
    id="ja-suit",
    title="読売新聞がPerplexityを提訴、著作権侵害を主張",
    url=None,
    source="日本の通信社",
    published=datetime(2025, 8, 8, tzinfo=UTC),
    text=(
        "読売新聞は8月7日、AI検索サービスのPerplexityを東京地裁に提訴し、損害賠償21億7000万円を"
        "求めた。同社の記事が許諾なく生成AIの回答に使われ、著作権を侵害されたと主張している。\n"
        "報道機関の記事をAIが無断で学習や回答に利用することへの懸念は、国内の新聞社の間で"
        "広がっている。"
    ),
)


def test_language_is_identified_with_its_name() -> None:
    assert identify_language(JAPANESE_SUIT.text) == ("ja", "Japanese")
    assert check_text(JAPANESE_SUIT.text).language == "ja"
    assert check_text(JAPANESE_SUIT.text).problem is None
    assert check_text(ENGLISH_SUIT.text).language == "en"
    german = "Die Zeitung verklagt das Unternehmen wegen der Nutzung ihrer Artikel. " * 5
    assert check_text(german).problem == "language German, neither English nor Japanese"
    assert check_text("短い。").problem == "too short to judge (2 characters)"
    assert language_name("ja") == "Japanese" and language_name(None) == "English"


def test_sentences_end_at_japanese_stops_and_their_closing_brackets() -> None:
    text = "社長は「許可なく使うな。」と述べた。本当か？いいえ！\n見出しの行"
    assert sentences(text) == [
        "社長は「許可なく使うな。」",
        "と述べた。",
        "本当か？",
        "いいえ！",
        "見出しの行",
    ]


def test_words_are_split_by_the_dictionary() -> None:
    words = spaced("読売新聞がPerplexityを提訴した").split()
    assert "提訴" in words and "Perplexity" in words and "が" in words


def test_dates_and_amounts_are_written_as_english_copy_writes_them() -> None:
    assert english_numbers("2025年10月27日に提出した") == ["October 27", "2025"]
    assert english_numbers("損害賠償21億7000万円を求めた") == ["2.17 billion yen"]
    assert english_numbers("約21億6,800万円") == ["2.168 billion yen"]
    assert english_numbers("30%の増加") == ["30%"]
    # the same normalised numbers as the English text's
    japanese = numbers(", ".join(english_numbers("10月27日に21億7000万円")))
    assert set(japanese) == set(numbers("on October 27 it sought ¥2.17 billion"))


def test_parties_map_to_their_english_names_across_scripts() -> None:
    terms = english_terms(
        "コンテンツ海外流通促進機構と内閣府、集英社、読売新聞の声明について木内氏が述べた。"
    )
    assert {"CODA", "Cabinet Office", "Shueisha", "Yomiuri Shimbun", "Minoru Kiuchi"} <= set(
        terms.names
    )
    assert "statement" in terms.events
    # a personal name missing from the table is romanised as English copy spells it (no long
    # vowels), given name first
    assert "Taro Yamada" in english_terms("山田太郎氏が語った。").names


def test_claims_are_sentences_that_name_a_party_or_carry_a_number() -> None:
    claims = extract_japanese_claims(JAPANESE_SUIT.text, JAPANESE_SUIT.title)
    first = claims[0].claim
    assert first.text.startswith("読売新聞は8月7日")
    assert {"Yomiuri Shimbun", "Perplexity", "Tokyo District Court"} <= set(first.entities)
    assert {"aug 7", "2.17 billion"} <= set(first.numbers)
    assert "sued" in claims[0].events


@pytest.fixture
def analyzer() -> Analyzer:
    return Analyzer()


def test_a_japanese_claim_is_known_from_an_english_one_with_its_parties_numbers_and_event(
    analyzer: Analyzer,
) -> None:
    memory = InMemoryMemory()
    english = analyzer.analyze_full(ENGLISH_SUIT, memory)
    assert english.verdict.relevant
    memory.remember(english.record)
    v = analyzer.analyze(JAPANESE_SUIT, memory)
    assert v.relevant and v.language == "ja"
    assert v.story == english.verdict.story  # joined through its parties
    suit = v.claims[0]
    assert not suit.novel and suit.seen_in == "en-suit" and suit.compared
    assert "Yomiuri Shimbun" in v.parties and "Perplexity" in v.parties


def test_the_same_japanese_article_without_earlier_reports_is_new(analyzer: Analyzer) -> None:
    v = analyzer.analyze(JAPANESE_SUIT, InMemoryMemory())
    assert v.relevant and v.novel and v.claims[0].novel and v.claims[0].compared


def test_a_claim_that_cannot_be_compared_says_so_instead_of_new_or_known(
    analyzer: Analyzer,
) -> None:
    # it names a party, but no number, date or event to compare with earlier reports
    text = JAPANESE_SUIT.text + "\nPerplexityの広報担当者は、この件についての説明を控えている。"
    article = Article("ja-2", JAPANESE_SUIT.title, None, None, None, text)
    v = analyzer.analyze(article, InMemoryMemory())
    vague = [c for c in v.claims if c.text.startswith("Perplexityの広報")]
    assert vague and not vague[0].compared and vague[0].novel


def test_route_words_find_a_japanese_alert_by_a_japanese_word_or_a_party_s_english_name(
    analyzer: Analyzer,
) -> None:
    from bot.analysis.assess import Assessment
    from bot.routes import Route
    from bot.store.rows import assessed_write

    verdict = analyzer.analyze(JAPANESE_SUIT, InMemoryMemory())
    routes = [
        Route(name=name, platform="discord", channel="1", include_words=(word,))
        for name, word in (
            ("japanese-word", "提訴"),  # inside a run of Japanese: no spaces around words
            ("latin-next-to-kana", "Perplexity"),  # written "Perplexityを"
            ("english-name", "yomiuri shimbun"),  # the party's English name, not in the text
            ("other-paper", "Asahi"),
            ("part-of-a-latin-word", "Perp"),
        )
    ]
    write = assessed_write(JAPANESE_SUIT, Assessment(verdict), NOW_JA, {}, ["discord"], routes)
    assert [m.destination for m in write.messages] == [
        "discord",
        "route:japanese-word",
        "route:latin-next-to-kana",
        "route:english-name",
    ]


NOW_JA = datetime(2025, 8, 8, 9, 0, tzinfo=UTC)


def test_subheads_and_sentences_the_text_cuts_off_are_no_claims() -> None:
    text = (
        "読売新聞は8月7日、Perplexityを東京地裁に提訴した。\n"
        "robots.txt無視問題 - Cloudflareが指摘する「ステルスクローリング」\n"
        "・読売新聞はPerplexityに損害賠償21億7000万円を求める\n"
        "・読売新聞の記事を無断で複製した(著作権法違反)\n"
        "1. 読売新聞の記事を許諾なく学習に使わないこと\n"
        "Cloudflareによると、Perplexityは「指定を回避した形跡があ"
    )
    got = [c.claim.text for c in extract_japanese_claims(text)]
    assert got[0].startswith("読売新聞は8月7日")
    assert not any(t.startswith("robots.txt無視問題") for t in got)  # a subhead ends in a noun
    assert not any(t.startswith("Cloudflareによると") for t in got)  # cut off in a quote
    # list items end in a predicate: a verb, one before a note in brackets, or こと after one
    assert any(t.startswith("・読売新聞はPerplexityに") for t in got)
    assert any(t.startswith("・読売新聞の記事を無断で") for t in got)
    assert any(t.startswith("1. 読売新聞の記事を") for t in got)


def test_without_permission_is_an_event_in_either_language() -> None:
    assert "permission" in english_terms("記事を無断で利用した。").events
