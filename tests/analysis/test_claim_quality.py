"""Claims that read as sentences: splitting at real sentence ends, no fragments, no headline
again. Every example is our own sentence, written in the shape news copy takes."""

import pytest

from bot.analysis.claim_quality import (
    claim_defects,
    ends_in_abbreviation,
    has_verb,
    measure,
    summary_repeats,
)
from bot.analysis.claims import extract_claims, split_sentences, tidy, trim_cut


def sentences(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


@pytest.mark.parametrize(
    "text",
    [
        "We can now add Warner Bros. Discovery to the studios suing the image maker Pixelforge.",
        "US Rep. Dana Holt, R-Mich., said the bill would reach the floor this spring.",
        "Sen. Ray Ortiz, R-Mo., and Gov. Lena Park backed the opt-out rules on Tuesday.",
        "The ruling in Marsh v. Quillon AI came down on Sept. 4 in the Northern District.",
        "The novelist J. K. Harlow joined the authors suing Quillon AI over 40 novels.",
        "Dr. Ana Ruiz and Mr. Tom Bell of Brightline Media Inc. signed the letter in March.",
        "The claim was filed on Jan. 12 by Redwood Records Co. Ltd. in St. Louis, Mo.",
        "The guild named Hon. Carla Dent as mediator for the 300 writers in the case.",
    ],
)
def test_abbreviations_inside_a_sentence_do_not_end_it(text: str) -> None:
    assert sentences(text) == [text]


def test_abbreviations_still_end_sentences_before_a_sentence_opener() -> None:
    text = "The studio signed with Brightline Media Inc. The deal covers 12,000 songs."
    assert sentences(text) == [
        "The studio signed with Brightline Media Inc.",
        "The deal covers 12,000 songs.",
    ]


def test_a_plain_word_that_spells_an_abbreviation_still_ends_a_sentence() -> None:
    assert sentences("The answer was no. Harbor Post then sued the firm in May.") == [
        "The answer was no.",
        "Harbor Post then sued the firm in May.",
    ]


def test_a_list_split_at_semicolons_stays_one_sentence() -> None:
    text = (
        "The suit was filed by eight outlets, including Harbor Post LLC; Dune Media Inc.; "
        "Copperleaf News Co.; and Vantage Daily Ltd."
    )
    assert sentences(text) == [text]


def test_hard_wrapped_lines_are_joined_back() -> None:
    text = (
        "The firm says that lawyers for\n"
        "the authors want to limit its messages to 40,000 writers.\n"
        "It blocked the crawlers HarvestBot\n"
        "and HarvestUser\n"
        ". The sites said Quillon AI still reached their pages."
    )
    assert sentences(text) == [
        "The firm says that lawyers for the authors want to limit its messages to 40,000 writers.",
        "It blocked the crawlers HarvestBot and HarvestUser.",
        "The sites said Quillon AI still reached their pages.",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "BOSTON: Harbor Post sued Quillon AI on Monday over 40,000 articles.",
        "PORTLAND, Maine: Harbor Post sued Quillon AI on Monday over 40,000 articles.",
        "Boston, Mar. 3 (Wire)--Harbor Post sued Quillon AI on Monday over 40,000 articles.",
        "Boston, 3 March (WS): Harbor Post sued Quillon AI on Monday over 40,000 articles.",
        "March 3, 2025 - Harbor Post sued Quillon AI on Monday over 40,000 articles.",
    ],
)
def test_datelines_are_not_part_of_a_claim(line: str) -> None:
    assert sentences(line) == ["Harbor Post sued Quillon AI on Monday over 40,000 articles."]


def test_a_line_opening_with_a_lower_case_name_is_not_a_wrapped_line() -> None:
    text = "Startup takes rival to court\nxAI sued Quillon AI in Texas on Monday over its chatbot."
    assert sentences(text) == ["xAI sued Quillon AI in Texas on Monday over its chatbot."]


def test_a_timestamp_aside_is_not_glued_to_the_story_or_emitted() -> None:
    text = "(March 3, 2025, 4:10 PM EDT) -- Quillon AI asked an appeals court to pause the order."
    claims = [c.text for c in extract_claims(text)]
    assert claims == ["Quillon AI asked an appeals court to pause the order."]


@pytest.mark.parametrize(
    ("claim", "kind"),
    [
        ("We can now add Warner Bros.", "abbreviation"),
        ("The bill was introduced by US Rep.", "abbreviation"),
        ("It was backed by Dana Holt, R-Mich.", "abbreviation"),
        ("The authors sued in Marsh v.", "abbreviation"),
        ("The court ordered Quillon AI to hand over logs from the past two yea", "unfinished"),
        (
            "Redwood Records Co. and Vantage Daily Ltd. in the Southern District (Publishers).",
            "no-verb",
        ),
        ("However, the judge rejected the motion to dismiss on Friday.", "dangling-opener"),
        ("the authors want the court to limit the firm's messages to them.", "fragment-start"),
        (". The customers said the crawler still reached their pages.", "fragment-start"),
        ("But the guild says it will appeal the ruling next month.", "dangling-opener"),
        ("Yet, by suing, the guild made the studio's licensing plans public.", "dangling-opener"),
        ("Disclosure: Harbor Post is the parent company of this site.", "boilerplate"),
        ("In its letter to the company, the association wrote:", "list-stub"),
        ("By Jane Marlow, Reuters", "boilerplate"),
        ("Read more: the full text of the ruling against Quillon AI.", "boilerplate"),
        (
            "Quillon AI founder Sam Ode at the hearing in Boston (Photo by Lee Carr/Getty Images)",
            "boilerplate",
        ),
    ],
)
def test_claim_defects_name_the_defect(claim: str, kind: str) -> None:
    assert kind in claim_defects(claim)


@pytest.mark.parametrize(
    "claim",
    [
        "Redwood Records sued Quillon AI in Boston on Tuesday over 3,000 songs.",
        "The association consists of twelve publishers, including Harbor Post.",
        "Cloudflare powers about a fifth of the web, the company says.",
        "Instead of suing, Harbor Post signed a licensing deal with Quillon AI.",
        "Like the guild, the studio wants a share of the licensing revenue.",
        "In addition to Marsh, four other novelists joined the suit in May.",
        "The court ruled for the guild and ordered Quillon AI to pay damages…",
        "The deal was signed with Brightline Media Inc. on Monday.",
        "xAI sued Quillon AI in Texas over the training of its chatbot.",
        "The board's pin supplies 3.3V.",
        "The reading on the second pin is typically around 4.5 V.",
        "The filing was made on March 1st.",
    ],
)
def test_sentences_that_read_have_no_defects(claim: str) -> None:
    assert claim_defects(claim) == ()


def test_headline_again_is_a_defect_and_is_not_extracted() -> None:
    title = "Harbor Post sues Quillon AI over scraped archive"
    assert "headline" in claim_defects(
        "Harbor Post sues Quillon AI over scraped archive.", title=title
    )
    text = (
        "Harbor Post sues Quillon AI over scraped archive.\n"
        "Harbor Post filed the suit in Boston on Monday, saying 40,000 articles were copied."
    )
    claims = [c.text for c in extract_claims(text, title=title)]
    assert claims == [
        "Harbor Post filed the suit in Boston on Monday, saying 40,000 articles were copied."
    ]


def test_a_headline_glued_onto_the_first_sentence_is_not_part_of_a_claim() -> None:
    title = "Harbor Post sues Quillon AI over scraped archive"
    text = (
        "Harbor Post sues Quillon AI over scraped archive Harbor Post filed the suit in Boston "
        "on Monday, saying 40,000 articles were copied."
    )
    claims = [c.text for c in extract_claims(text, title=title)]
    assert claims == [
        "Harbor Post filed the suit in Boston on Monday, saying 40,000 articles were copied."
    ]


def test_dangling_openers_are_dropped_from_the_claim() -> None:
    assert tidy("However, the judge rejected the motion on Friday.") == (
        "The judge rejected the motion on Friday."
    )
    assert tidy("And that Quillon AI kept training on the works after 2024;") == (
        "Quillon AI kept training on the works after 2024."
    )
    assert tidy("That is, of course, if the court agrees to hear the appeal in May.") == (
        "If the court agrees to hear the appeal in May."
    )
    assert tidy("Instead of suing, Harbor Post signed a deal.") == (
        "Instead of suing, Harbor Post signed a deal."
    )


def test_a_sentence_the_text_stops_in_is_trimmed_and_marked() -> None:
    text = (
        "Redwood Records sued Quillon AI in Boston on Tuesday.\n"
        "The label says Quillon AI copied 3,000 songs to train its model and then sold acc"
    )
    claims = [c.text for c in extract_claims(text)]
    assert (
        claims[-1]
        == "The label says Quillon AI copied 3,000 songs to train its model and then sold…"
    )
    assert trim_cut("The label said that it") == ""
    assert trim_cut("The label's decision to drop most of") == ""


def test_fragments_and_stubs_are_not_extracted() -> None:
    text = (
        "Redwood Records sued Quillon AI in Boston on Tuesday over 3,000 songs.\n"
        "In its complaint, the label spelled out its demands:\n"
        "Harbor Post LLC; Dune Media Inc.; and Vantage Daily Ltd. (the Publishers).\n"
        "By Jane Marlow and Tom Reyes\n"
        "But the company says the songs were licensed through a partner in 2023."
    )
    claims = [c.text for c in extract_claims(text)]
    assert claims == [
        "Redwood Records sued Quillon AI in Boston on Tuesday over 3,000 songs.",
        "The company says the songs were licensed through a partner in 2023.",
    ]
    assert all(claim_defects(c) == () for c in claims)


def test_light_verb_check() -> None:
    assert has_verb("The guild filed suit.")
    assert has_verb("Quillon AI denies the claims.")
    assert has_verb("It reduces the cost of crawling.")
    assert not has_verb("Harbor Post LLC and Dune Media Inc. (the Publishers).")
    assert not has_verb("(March 3, 2025, 4:10 PM EDT)")
    assert has_verb("出版社団体はAI企業に学習の停止を求めた。")  # not English: not judged
    assert ends_in_abbreviation("He met Gov.") and not ends_in_abbreviation("He met the governor.")


def test_summary_repeats_finds_a_claim_inside_the_summary() -> None:
    claims = ["Redwood Records sued Quillon AI on Tuesday.", "The label wants damages."]
    assert summary_repeats(
        "New: Redwood Records sued Quillon AI on Tuesday. More soon.", claims
    ) == [claims[0]]
    assert summary_repeats("New: Redwood Records v. Quillon AI, damages sought.", claims) == []


def test_measure_counts_defects_and_repeating_summaries_over_verdicts() -> None:
    verdicts = [
        {
            "id": "a1",
            "relevant": True,
            "summary": "New: Redwood Records sued Quillon AI on Tuesday in Boston.",
            "claims": [
                {"text": "Redwood Records sued Quillon AI on Tuesday in Boston.", "novel": True},
                {"text": "We can now add Warner Bros.", "novel": True},
                {"text": "Harbor Post sues Quillon AI over scraped archive", "novel": False},
            ],
        },
        {"id": "a2", "relevant": False, "summary": "x" * 80, "claims": []},
        {
            "id": "a3",
            "relevant": True,
            "summary": "New: Harbor Post sued Quillon AI.",
            "claims": [
                {"text": "Harbor Post filed suit against Quillon AI on Monday.", "novel": True}
            ],
        },
    ]
    m = measure(verdicts, {"a1": "Harbor Post sues Quillon AI over scraped archive"})
    assert m.claims == 4
    assert m.defective_claims == 2
    assert m.defects == {"abbreviation": 1, "headline": 1, "unfinished": 1}
    assert m.summaries_repeating_a_claim == 1
    assert m.summary_chars_max == 80
    assert ("a1", "summary", "Redwood Records sued Quillon AI on Tuesday in Boston.") in m.examples
