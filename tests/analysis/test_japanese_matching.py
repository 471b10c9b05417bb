"""Which earlier claim states the same fact as a Japanese claim: the same parties, numbers and
event, on sentences we wrote."""

from collections.abc import Sequence

from bot.analysis.japanese_claims import (
    JapaneseClaim,
    assess_japanese,
    extract_japanese_claims,
    reassess_across_stories_ja,
)
from bot.analysis.memory import KnownClaim, KnownStory


def claim(text: str) -> JapaneseClaim:
    found = extract_japanese_claims(text)
    assert len(found) == 1, found
    return found[0]


def known(text: str, source: str, seq: int, story: str | None = None) -> KnownClaim:
    return KnownClaim(text=text, source_id=source, seq=seq, story=story)


YOMIURI = "読売新聞は8月7日、AI検索のPerplexityを東京地裁に提訴したと発表した。"
ASAHI = "朝日新聞社と日本経済新聞社は8月26日、AI検索のPerplexityを東京地裁に提訴したと発表した。"


def test_a_rewrite_with_another_plaintiff_is_not_the_earlier_fact() -> None:
    # nearly the same characters, but another newspaper sued on another day
    judged, compared = assess_japanese(claim(ASAHI), [known(YOMIURI, "yomiuri", 1)])
    assert judged.novel and compared


def test_the_same_suit_with_the_year_and_court_added_is_known() -> None:
    later = claim(
        "朝日新聞社と日本経済新聞社は2025年8月26日、Perplexityを東京地方裁判所に共同提訴した。"
    )
    earlier = known("朝日新聞社と日本経済新聞社は8月26日、米国のPerplexityを提訴しました。", "a", 2)
    judged, _ = assess_japanese(later, [known(YOMIURI, "yomiuri", 1), earlier])
    assert not judged.novel and judged.seen_in == "a"


def test_another_day_is_another_fact() -> None:
    later = claim(
        "朝日新聞社と日本経済新聞社は2025年9月1日、Perplexityを東京地方裁判所に共同提訴した。"
    )
    earlier = known("朝日新聞社と日本経済新聞社は8月26日、米国のPerplexityを提訴しました。", "a", 2)
    assert assess_japanese(later, [earlier])[0].novel


def test_a_press_conference_is_a_statement_in_either_language() -> None:
    later = claim("城内実大臣は2025年10月10日の記者会見で、Sora 2について説明した。")
    english = KnownClaim(
        text="Minoru Kiuchi told a press conference on October 10 that the request was made.",
        source_id="en",
        seq=1,
        entities=("Minoru Kiuchi",),
        numbers=("oct 10",),
    )
    judged, _ = assess_japanese(later, [english])
    assert not judged.novel and judged.seen_in == "en"


def test_words_every_claim_of_the_beat_carries_need_a_distinctive_party() -> None:
    earlier = known("日本の著作権法はAIの学習を広く認めていると、政府は説明してきた。", "gov", 1)
    # only "Japan" and "copyright"/"training": nothing says it is the same matter
    vague = claim("日本のクリエイターの間では、AIの学習と著作権を巡る議論が活発になっている。")
    judged, compared = assess_japanese(vague, [earlier])
    assert judged.novel and not compared
    # the same general words beside a distinctive party are that party's matter
    coda_before = known(
        "CODAは、日本のコンテンツが学習データとして使われたと判断している。", "coda", 2
    )
    coda = claim(
        "CODAは、多くの映像が日本作品の学習に起因すると考え、著作権の観点から問題視している。"
    )
    judged, compared = assess_japanese(coda, [earlier, coda_before])
    assert not judged.novel and judged.seen_in == "coda" and compared


def test_english_event_words_written_in_latin_letters_count() -> None:
    c = claim("Cloudflareによると、Perplexityはno-crawl指定を回避していたという。")
    assert "crawling" in c.events


class Stories:
    def __init__(self, stories: Sequence[KnownStory]) -> None:
        self._by_id = {s.story_id: s for s in stories}

    def story_candidates(self, query: object, limit: int) -> list[KnownStory]:
        return []

    def stories(self, story_ids: Sequence[str]) -> list[KnownStory]:
        return [self._by_id[s] for s in story_ids if s in self._by_id]


def _story(story_id: str, parties: tuple[str, ...]) -> KnownStory:
    return KnownStory(
        story_id, story_id, "", None, None, "lawsuit", parties, (), 1, members=(parties,)
    )


def test_a_fact_of_another_suit_against_the_same_defendant_is_new_in_this_one() -> None:
    # names only the defendant: the Yomiuri story's "Perplexity was sued" is not Asahi's fact
    vague = claim("パープレキシティは8月、東京地裁に提訴された。")
    earlier = known("Perplexityは8月に東京地裁に提訴された。", "yomiuri", 1, story="story:yomiuri")
    judged = assess_japanese(vague, [earlier])
    assert not judged[0].novel  # on terms alone it matches ...
    memory = Stories([_story("story:yomiuri", ("Yomiuri Shimbun", "Perplexity"))])
    [(again, _)] = reassess_across_stories_ja(
        [vague],
        [[earlier]],
        [judged],
        "story:asahi",
        ("Asahi Shimbun", "Nikkei", "Perplexity"),
        memory,
    )
    assert again.novel  # ... but once the article is in Asahi's story it is news there
