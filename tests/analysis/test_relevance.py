"""Relevance on short texts we wrote ourselves: the topic, and the hard negatives of issue 4,
judged by the shipped fitted model."""

import pytest

from bot.analysis.relevance import (
    ANY_SCOPE,
    HEAD_ANY_SCOPE,
    SCOPE_PRODUCTS,
    Relevance,
    hand_signals,
    score_relevance,
)
from bot.analysis.relevance_model import load_model

MODEL = load_model()


def judge(title: str, text: str, threshold: float = 0.5) -> Relevance:
    return score_relevance(title, text, MODEL, threshold)


CASES = [
    # (title, text, relevant, category)
    (
        "Novelists sue AI start-up over training data",
        "A group of novelists filed a lawsuit on Monday accusing the AI company Anthropic of "
        "training its Claude chatbot on pirated copies of their books without permission. "
        "The complaint seeks damages for copyright infringement.",
        True,
        "lawsuit",
    ),
    (
        "Court rules image generator maker infringed photographers' copyright",
        "A court ruled that Midjourney infringed copyright when it trained its image generator "
        "on millions of photographs scraped from the web without a licence.",
        True,
        "ruling",
    ),
    (
        "Publisher signs content licensing deal with OpenAI",
        "The publisher signed a deal to license its news archive to OpenAI for training AI "
        "models, settling months of talks over the use of its copyrighted articles.",
        True,
        "licensing deal",
    ),
    (
        "Government opens consultation on AI and copyright",
        "The government launched a consultation on a text and data mining exception that would "
        "let AI developers train on copyright works unless rights holders opt out.",
        True,
        "policy/regulation",
    ),
    (
        "News sites block AI crawlers",
        "Hundreds of news sites now block OpenAI's GPTBot crawler in robots.txt to stop their "
        "articles being scraped to train AI models without consent or payment.",
        True,
        None,
    ),
    # hard negatives
    (
        "Video app tops the download charts",
        "OpenAI's Sora app was launched on Android and rolled out in seven countries, where it "
        "reached a million downloads in five days on the Play Store.",
        False,
        None,
    ),
    (
        "Chip maker posts record quarter",
        "Nvidia reported record revenue of 57 billion dollars for the quarter as demand for AI "
        "chips kept rising, and net income rose 65 percent.",
        False,
        None,
    ),
    (
        "Singer wins plagiarism appeal",
        "An appeals court ruled that the singer's hit did not copy an older song, ending a "
        "copyright lawsuit brought by the heirs of the songwriter.",
        False,
        None,
    ),
    (
        "Copyright Office: AI-generated art cannot be registered",
        "A court upheld the Copyright Office's refusal of copyright registration for an image "
        "made by an AI system, holding that human authorship is required.",
        False,
        None,
    ),
    (
        "Governor signs AI safety bill",
        "The governor signed an AI safety bill requiring developers of frontier AI models to "
        "publish safety frameworks and report catastrophic risks, with whistleblower "
        "protections for staff.",
        False,
        None,
    ),
    (
        "Internet provider liable for customers' piracy",
        "A jury found the ISP liable for copyright infringement by subscribers who shared music "
        "over BitTorrent, awarding record labels damages.",
        False,
        None,
    ),
]


@pytest.mark.parametrize(("title", "text", "relevant", "category"), CASES)
def test_relevance(title: str, text: str, relevant: bool, category: str | None) -> None:
    r = judge(title, text)
    assert r.relevant is relevant, (r.score, r.signals)
    assert 0.0 <= r.score <= 1.0
    if relevant:
        assert any(s.startswith("ai-term:") for s in r.signals)
        if category:
            assert r.category == category, r.signals


def test_threshold_is_configurable() -> None:
    title, text = CASES[0][0], CASES[0][1]
    assert judge(title, text, threshold=0.999).relevant is False


def test_negative_signal_is_explained() -> None:
    r = judge(CASES[8][0], CASES[8][1])
    assert "negative" in " ".join(r.signals) or "no training data" in r.reason


def test_infringement_by_an_ai_firm_counts_without_the_word_training() -> None:
    r = judge(
        "Film studios sue image generator Midjourney",
        "Two film studios filed a lawsuit accusing Midjourney of copyright infringement, "
        "saying the service lets users make copies of their copyrighted characters without "
        "permission.",
    )
    assert r.relevant and r.category == "lawsuit", r.signals


def test_app_launch_mentioning_copyright_in_passing_is_not_relevant() -> None:
    r = judge(
        "Video app arrives on Android",
        "OpenAI's Sora app launched on Android in seven countries and passed a million "
        "downloads. Some users worry that remixing videos could become a copyright headache.",
    )
    assert not r.relevant, r.signals


def test_crawler_fight_is_on_topic() -> None:
    r = judge(
        "Network provider now blocks AI crawlers by default",
        "The company will block crawlers that scrape websites to train AI models unless the "
        "site owner agrees, and will let publishers charge AI firms with pay-per-crawl.",
    )
    assert r.relevant, r.signals


def test_title_and_lead_signals_tell_the_main_subject_from_an_aside() -> None:
    """The same words in the body only count for the whole text, not for the title and lead."""
    dispute = (
        "Authors sued the AI company for training its chatbot on their books without "
        "permission, claiming copyright infringement."
    )
    launch = "The AI company launched a new app that rolled out on the App Store this week. "
    lead = hand_signals("Authors sue AI company", (dispute + " ") * 4 + launch * 8)
    aside = hand_signals("AI company launches app", launch * 8 + (" " + dispute) * 4)
    lead_f, aside_f = lead.features(2.0), aside.features(2.0)
    assert lead_f["s:head ai×training×dispute"] > 0.5
    assert aside_f["s:head ai×training×dispute"] == 0.0
    assert aside_f["s:head look-alike"] > lead_f["s:head look-alike"]
    # the whole-text signals still see the aside
    assert aside.training > 0 and aside.dispute > 0


def test_a_look_alike_word_inside_an_on_topic_term_is_that_term() -> None:
    """'revenue' in 'revenue-sharing' is a deal, not earnings; 'Register' in 'Register of
    Copyrights' is the office, not a copyright registration."""
    inside = dict(
        hand_signals(
            "Register of Copyrights backs revenue-sharing",
            "The Register of Copyrights praised the revenue-sharing programme for publishers.",
        ).negatives
    )
    alone = dict(
        hand_signals(
            "Revenue up as firm seeks registration",
            "Revenue rose as the firm sought copyright registration for AI art.",
        ).negatives
    )
    assert inside["earnings or funding"] == 0 and inside["output copyrightability"] == 0
    assert alone["earnings or funding"] > 0 and alone["output copyrightability"] > 0


def test_any_scope_signal_is_the_strongest_conjunction() -> None:
    """A deal with the owners of works counts as one of the scope's conjunctions, as a suit
    does: `s:any scope` is the largest of them, in the whole text and in the title and lead."""
    deal = hand_signals(
        "Magazine publisher signs licensing deal with AI company",
        "The publisher agreed a multiyear licensing deal that lets the AI company's chatbot "
        "show its journalism, and will be paid for access to its archive.",
    ).features(2.0)
    products = [deal["s:" + p] for p in SCOPE_PRODUCTS]
    assert deal[ANY_SCOPE] == max(products) == deal["s:ai×owners×deal"] > 0.5
    assert deal[HEAD_ANY_SCOPE] == max(deal["s:head " + p] for p in SCOPE_PRODUCTS) > 0.5
    launch = hand_signals("Phone maker launches a new handset", "It has a bigger screen.")
    assert launch.features(2.0)[ANY_SCOPE] == 0.0
