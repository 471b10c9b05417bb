"""Parsing: the real-world files in ../shared/feeds and our own fixtures for each quirk."""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import FeedError
from bot.feeds import markup as markup_module
from bot.feeds.discover import discover_feed_links
from bot.feeds.parse import ParsedFeed, clean_text, parse_date, parse_feed
from bot.feeds.parse_pool import FeedParser
from tests.conftest import REPO, shared_dir

FETCHED = datetime(2030, 1, 1, tzinfo=UTC)
DATA = REPO / "tests" / "data" / "feeds"


@dataclass(frozen=True)
class Expect:
    """What a file must parse to. `first`/`last` are (title, link, ISO date or None for
    "no date in the feed: fetch time, flagged")."""

    kind: str
    count: int
    title: str
    first: tuple[str, str | None, str | None] | None = None
    last: tuple[str, str | None, str | None] | None = None
    warning: bool = False


def _parse(path: Path, url: str) -> ParsedFeed:
    content_type = "application/feed+json" if path.suffix == ".json" else "application/xml"
    return parse_feed(
        path.read_bytes(), url=url, headers={"Content-Type": content_type}, fetched_at=FETCHED
    )


def _check(parsed: ParsedFeed, expect: Expect) -> None:
    assert "\n" not in parsed.title and all("\n" not in i.title for i in parsed.items)
    assert parsed.kind == expect.kind
    assert len(parsed.items) == expect.count
    assert parsed.title == expect.title
    assert bool(parsed.warning) is expect.warning, parsed.warning
    for item, wanted in ((parsed.items[:1], expect.first), (parsed.items[-1:], expect.last)):
        if wanted is None:
            continue
        title, link, date = wanted
        assert item[0].title == title
        assert item[0].link == link
        if date is None:
            assert item[0].published == FETCHED and item[0].published_is_fallback
        else:
            assert item[0].published.isoformat() == date and not item[0].published_is_fallback
            assert item[0].published.tzinfo == UTC


HUFF = "http://www.huffingtonpost.ca/"
GOOGLE = "https://www.google.com/url?rct=j&sa=t&url="
GA = "&ct=ga&cd=CAIyHGU4ZTJkZjQ3OTVkYmIzMTc6Y28uanA6ZW46SlA&usg="
HEISE = "https://www.heise.de/newsticker/meldung/"
PSY = "https://le-cercle-psy.scienceshumaines.com/"

SHARED: dict[str, Expect] = {
    "feedjira_feedjira__HuffPostCanada.xml": Expect(
        "rss20",
        2,
        "HuffPost Canada - Athena2 - All Posts",
        (
            "Winnipeg High School Orders Custom Hijabs For Muslim Athletes",
            HUFF + "2017/10/17/winnipeg-high-school-orders-custom-hijabs-for-muslim-athletes"
            "_a_23246627/",
            "2017-10-17T22:17:00+00:00",
        ),
        (
            "The Once-In-A-Lifetime Thrill Of Opening For Tom Petty",
            HUFF + "adrian-sutherland/the-once-in-a-lifetime-thrill-of-opening-for-tom-petty"
            "_a_23234370/",
            "2017-10-17T21:38:00+00:00",
        ),
    ),
    "feedjira_feedjira__TechCrunch.xml": Expect(
        "rss20",
        20,
        "TechCrunch",
        (
            "Angie\u2019s List Sets Price Range IPO At $11 To $13 Per Share; Valued At Over $600M",
            "http://feedproxy.google.com/~r/Techcrunch/~3/kTeeGj4FnwU/",
            "2011-11-02T17:25:27+00:00",
        ),
        (
            "Ooma Invades Canada, US Premier Subscribers Can Now Talk To Their Northern Cousins"
            " For Free",
            "http://feedproxy.google.com/~r/Techcrunch/~3/ADadXkNtM_0/",
            "2011-11-02T12:34:07+00:00",
        ),
        warning=True,  # a newline before the XML declaration
    ),
    "feedjira_feedjira__google_alerts_atom.xml": Expect(
        "atom10",
        20,
        "Google Alert - Slack",
        (
            "Report offers Prediction of Automotive Slack Market by Top key players like Haldex,"
            " Meritor, Bendix ...",
            GOOGLE + "https://www.aglobalmarketresearch.com/report-offers-prediction-of-automotive"
            "-slack-market-by-top-key-players-like-haldex-meritor-bendix-mei-wabco-accuride-stemco"
            "-tbk-febi-aydinsan/" + GA + "AFQjCNHUcRGtHY1ygcMDkVS68IgpYs7Wpg",
            "2019-07-10T11:53:37+00:00",
        ),
        (
            "Latest research shows Microsoft Teams is stomping Slack",
            GOOGLE + "https://mspoweruser.com/latest-research-shows-microsoft-teams-is-stomping"
            "-slack/" + GA + "AFQjCNHlMxJk51Ai598ebVkCpaKE2uStCw",
            "2019-07-09T23:59:57+00:00",
        ),
    ),
    "feedjira_feedjira__json_feed.json": Expect(
        "json10",
        20,
        "inessential.com",
        (
            "James Dempsey and the Breakpoints Benefit App Camp for Girls",
            "http://inessential.com/2017/06/02/james_dempsey_and_the_breakpoints_benefi",
            "2017-06-03T05:05:47+00:00",
        ),
        (
            "My CocoaConf Yosemite 2017 Talk",
            "http://inessential.com/2017/03/25/my_cocoaconf_yosemite_2017_talk",
            "2017-03-25T18:55:21+00:00",
        ),
    ),
    "kurtmckee_feedparser__big5.xml": Expect(
        "atom10",
        0,
        "我希望??很容易?其翻?成中文，并有助于改??件。 感?您??本文。",
        warning=True,  # no declaration: detected as Big5
    ),
    "kurtmckee_feedparser__bozo_invalid-bytes-with-bom.xml": Expect(
        "rss20", 0, "Valid UTF8: \u0468Invalid UTF8: Espa\u00f1a", warning=True
    ),
    "kurtmckee_feedparser__rss_incomplete_cdata.xml": Expect(
        "rss20", 0, "can feedparser read this xml", warning=True
    ),
    "kurtmckee_feedparser__utf-16le-bom.xml": Expect("rss", 0, ""),
    "lemon24_reader__invalid.json": Expect(
        "json11", 8, "", ("", None, None), ("", None, None), warning=True
    ),
    "miniflux_v2__encoding_WINDOWS-1251.xml": Expect(
        "rss20",
        50,
        "iBash.Org.Ru",
        (
            "Цитата #17703",
            "http://ibash.org.ru/quote.php?id=17703",
            "2018-03-21T07:27:32+00:00",
        ),
        ("Цитата #17220", "http://ibash.org.ru/quote.php?id=17220", "2018-03-15T06:16:48+00:00"),
    ),
    "miniflux_v2__large_rss.xml": Expect(
        "rss20",
        25,
        "Artificial truth",
        (
            "Using vale with vim",
            "https://dustri.org/b/using-vale-with-vim.html",
            "2024-03-10T16:15:00+00:00",
        ),
        (
            "A sneaky Golang bug",
            "https://dustri.org/b/a-sneaky-golang-bug.html",
            "2023-08-02T11:15:00+00:00",
        ),
    ),
    "miniflux_v2__no_encoding_ISO-8859-1.xml": Expect(
        "rss20",
        9,  # the tenth item is empty (no title, link or text) and is skipped
        "Flux RSS du magazine de psychologie Le Cercle Psy",
        (
            "Perturbateurs endocriniens : quels effets sur le cerveau ?",
            PSY + "perturbateurs-endocriniens-quels-effets-sur-le-cerveau_sh_39995",
            "2018-10-17T10:30:00+00:00",
        ),
        (
            "Psychologue à domicile : de la clinique à l'état brut",
            PSY + "psychologue-a-domicile-de-la-clinique-a-l-etat-brut_sh_35540",
            "2018-10-17T10:30:00+00:00",
        ),
        warning=True,
    ),
    "miniflux_v2__rdf_UTF8.xml": Expect(
        "rss090",
        60,
        "heise online News",
        (
            "OLED-TVs: Vorsichtsmaßnahmen gegen Einbrennen",
            HEISE + "OLED-TVs-Vorsichtsmassnahmen-gegen-Einbrennen-4205274.html"
            "?wt_mc=rss.ho.beitrag.rdf",
            None,  # RSS 0.9 has no dates
        ),
        (
            "Mi Mix 3: Xiaomi-Flaggschiff mit Kamera-Slider und 10 GByte RAM",
            HEISE + "Mi-Mix-3-Xiaomi-Flaggschiff-mit-Kamera-Slider-und-10-GByte-RAM-4204655.html"
            "?wt_mc=rss.ho.beitrag.rdf",
            None,
        ),
    ),
    "miniflux_v2__urdu_UTF8.xml": Expect(
        "rss20",
        26,
        "BBC News اردو - پاکستان کے لیے امریکی امداد کی بہار و خزاں",
        (
            "امریکی عسکری امداد کی بندش کی وجوہات: انڈیا سے جنگ، جوہری پروگرام اور اب دہشت گردوں کی"
            " پشت پناہی",
            "http://www.bbc.com/urdu/pakistan-42575603",
            "2018-01-05T16:51:00+00:00",
        ),
        (
            "پاکستان امریکہ تعلقات میں ’ڈو مور‘ کا نیا ایڈیشن جو آج تک چل رہا",
            "http://www.bbc.com/urdu/pakistan-42422392",
            "2017-12-20T12:23:23+00:00",
        ),
    ),
    "miniflux_v2__windows-1252-incorrect-prolog.xml": Expect("rss20", 0, "Euro €"),
}


def test_every_shared_file_has_an_expectation() -> None:
    folder = shared_dir("feeds")
    files = {p.name for p in folder.iterdir() if p.suffix in (".xml", ".json")}
    assert files == set(SHARED)
    assert len(files) == 15


@pytest.mark.parametrize("name", sorted(SHARED))
def test_shared_feed_parses_to_expected_output(name: str) -> None:
    path = shared_dir("feeds") / name
    _check(_parse(path, f"https://feeds.example/{name}"), SHARED[name])


OURS: dict[str, Expect] = {
    "leading_newline.xml": Expect(
        "rss20",
        2,
        "Court Watch",
        (
            "Judge hears fair-use arguments in training case",
            "https://courtwatch.example/2025/11/fair-use-hearing",
            "2025-11-04T14:30:00+00:00",  # +0100 became UTC
        ),
        ("Second story", "https://courtwatch.example/2025/11/second", "2025-11-04T09:00:00+00:00"),
        warning=True,
    ),
    "cdata_padded.xml": Expect(
        "rss20",
        1,
        "Padded Times",
        (
            "Licensing talks stall over archive access",
            "https://padded.example/news/licensing-talks",
            "2025-11-05T13:00:00+00:00",
        ),
    ),
    "atom_html_titles.xml": Expect(
        "atom10",
        2,
        "Alert - training data",
        (
            "New suit over training data & lyrics",
            "https://alerts.example/url?url=https://news.example/suit&utm_source=alert",
            "2025-11-05T09:59:00+00:00",
        ),
        (
            "Plain & simple",
            "https://fixtures.example/relative/path",  # resolved against the feed URL
            "2025-11-04T06:00:00+00:00",
        ),
    ),
    "json_feed_1_1.json": Expect(
        "json11",
        2,
        "Data Rights Daily",
        (
            "The \u201copt-out\u201d fight moves to Brussels",
            "https://datarights.example/2025/11/opt-out",  # relative to feed_url
            "2025-11-05T11:00:00+00:00",
        ),
        ("", "https://datarights.example/2025/11/numbers", "2025-11-04T08:00:00+00:00"),
    ),
    "json_wrong_types.json": Expect(
        "json11",
        3,
        "",
        ("Good item", "https://wrong.example/1", "2025-11-03T10:00:00+00:00"),
        ("No id but a link", "https://wrong.example/3", None),
        warning=True,
    ),
    "rdf_no_dates.xml": Expect(
        "rss090",
        2,
        "Ticker",
        ("Große Klage gegen KI-Firma", "https://ticker.example/meldung/1?wt_mc=rss.feed", None),
        ("Zweite Meldung", "https://ticker.example/meldung/2", None),
    ),
    "windows_1251.xml": Expect(
        "rss20",
        1,
        "Новости права",
        ("Суд и обучающие данные", "https://pravo.example/1", "2025-11-03T07:00:00+00:00"),
    ),
    "latin1_no_declaration.xml": Expect(
        "rss20",
        1,
        "Revue de presse",
        (
            "Données d'entraînement : la société répond",
            "https://revue.example/a",
            "2025-11-03T10:00:00+00:00",
        ),
        warning=True,
    ),
    "rtl_cdata.xml": Expect(
        "rss20",
        1,
        "أخبار التقنية",
        ("دعوى جديدة بشأن بيانات التدريب", "https://akhbar.example/1", "2025-11-03T10:00:00+00:00"),
    ),
    "utf8_declared_1252.xml": Expect(
        "rss20",
        1,
        "Prix en €",
        ("Licence à 5 € par œuvre", "https://prix.example/1", "2025-11-03T10:00:00+00:00"),
    ),
    "big5_undeclared.xml": Expect(
        "atom10",
        1,
        "科技新聞",
        (
            "人工智慧訓練資料著作權訴訟，出版社要求賠",
            "https://big5.example/1",
            "2025-11-03T10:00:00+00:00",
        ),
        warning=True,
    ),
    "bom_invalid_bytes.xml": Expect(
        "rss20",
        1,
        "Mixed \u0468 and España",
        ("Señal de entrenamiento", "https://mixed.example/1", None),
        warning=True,
    ),
    "incomplete_cdata.xml": Expect(
        "rss20", 1, "Cut short", ("Complete item", "https://cut.example/1", None), warning=True
    ),
    "utf16le_bom.xml": Expect(
        "rss20",
        1,
        "Wide feed",
        ("Ünïcödé in UTF-16", "https://wide.example/1", "2025-11-03T10:00:00+00:00"),
    ),
    "wordpress_shaped.xml": Expect(
        "rss20",
        1,
        "Example Blog",
        (
            "Court rules on training data",
            "https://blog.example/2025/11/03/court-rules/",
            "2025-11-03T10:00:00+00:00",
        ),
    ),
    "broken_items.xml": Expect(
        "rss20",
        3,
        "Broken Items Weekly",
        ("A half-open marked section", "https://broken.example/1", "2025-11-03T10:00:00+00:00"),
        ("A good item after the bad ones", "https://broken.example/3", "2025-11-03T12:00:00+00:00"),
    ),
    "atom_text_types.xml": Expect(
        "atom10",
        2,
        "Markup <Notes>",
        ("Use <b> for bold", "https://text.example/1", "2025-11-05T10:00:00+00:00"),
        ("An embedded player", "https://text.example/2", "2025-11-04T10:00:00+00:00"),
    ),
    "rss_dates_authors.xml": Expect(
        "rss20",
        2,
        "Dates and Authors",
        ("No zone on this date", "https://dates.example/1", "2025-11-03T10:00:00+00:00"),
        ("No space after the comma", "https://dates.example/2", "2025-11-04T11:30:00+00:00"),
    ),
    "json_text_fields.json": Expect(
        "json11",
        2,
        "Plain Text Feed",
        ("Use <b> for bold", "https://plain.example/1", "2025-11-03T10:00:00+00:00"),
        ("A leap second", "https://plain.example/2", "2016-12-31T23:59:59+00:00"),
    ),
}


def test_every_fixture_has_an_expectation() -> None:
    files = {p.name for p in DATA.iterdir() if p.suffix in (".xml", ".json")}
    assert files == set(OURS)


@pytest.mark.parametrize("name", sorted(OURS))
def test_our_fixture_parses_to_expected_output(name: str) -> None:
    _check(_parse(DATA / name, f"https://fixtures.example/feeds/{name}"), OURS[name])


@pytest.mark.parametrize("fast", [True, False])
def test_one_bad_item_never_fails_its_feed(fast: bool) -> None:
    body = (DATA / "broken_items.xml").read_bytes()
    parsed = parse_feed(
        body, url="https://broken.example/feed", headers={}, fetched_at=FETCHED, fast=fast
    )
    first, unjoinable, good = parsed.items
    assert first.summary == "a <![ b and <![foo[ c ]]>"  # kept as text, not an AssertionError
    assert unjoinable.title == "A link no parser can join" and unjoinable.link is None
    assert good.link == "https://broken.example/3"


def test_markup_html_parser_cannot_read_is_kept_as_text() -> None:
    assert clean_text("a &lt;![ b") == "a <![ b"
    assert clean_text("a <![ b") == "a <![ b"
    assert clean_text("<p>x</p><![foo[ y ]]>") == "x\n<![foo[ y ]]>"
    assert (
        discover_feed_links(
            b'<link rel="alternate" type="application/rss+xml" href="http://[oops/x">',
            "https://s.example/",
        )
        == []
    )


def test_an_item_that_raises_is_skipped_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    real = markup_module.clean_text

    def choking(markup: str) -> str:  # stands in for any fault we have not met yet
        if "marked section" in markup:
            raise RuntimeError("cannot read this")
        return real(markup)

    monkeypatch.setattr(markup_module, "clean_text", choking)
    body = (DATA / "broken_items.xml").read_bytes()
    parsed = parse_feed(
        body, url="https://broken.example/feed", headers={}, fetched_at=FETCHED, fast=False
    )
    assert [i.title for i in parsed.items] == [
        "A link no parser can join",
        "A good item after the bad ones",
    ]
    assert parsed.warning and "item 0 skipped (RuntimeError: cannot read this)" in parsed.warning


def _both(name: str, url: str) -> list[ParsedFeed]:
    """The fixture through the fast path (asserting it was taken, for XML) and feedparser."""
    body = (DATA / name).read_bytes()
    quick = parse_feed(body, url=url, headers={}, fetched_at=FETCHED)
    slow = parse_feed(body, url=url, headers={}, fetched_at=FETCHED, fast=False)
    return [quick, slow]


def test_a_wordpress_shaped_feed_takes_the_fast_path_with_the_same_result() -> None:
    quick, slow = _both("wordpress_shaped.xml", "https://blog.example/feed/")
    assert quick.via == "lxml" and slow.via == "feedparser"
    assert quick == slow
    assert quick.items[0].author == "Ann Writer"
    assert quick.items[0].summary == "The court ruled today … Read more"


def test_atom_text_is_text_on_both_paths() -> None:
    quick, slow = _both("atom_text_types.xml", "https://text.example/feed")
    assert quick.via == "lxml" and quick == slow
    plain, html = quick.items
    assert quick.title == "Markup <Notes>"
    assert plain.title == "Use <b> for bold"  # type="text": the words stay, on one line
    assert plain.summary == "Use <b> and <i> as you like & more."
    assert html.title == "An embedded player"  # type="html" is still markup
    # an unclosed <iframe> no longer swallows the rest of the article
    assert html.content == "Before the player.\nAfter the player."


def test_entries_inherit_the_feed_author_when_they_have_none() -> None:
    for parsed in _both("atom_text_types.xml", "https://text.example/feed"):
        assert [i.author for i in parsed.items] == ["Desk Editor", "Guest Writer"]
    for parsed in _both("rss_dates_authors.xml", "https://dates.example/feed"):
        assert [i.author for i in parsed.items] == ["Night Desk", "Day Desk"]
    json_feed = parse_feed(
        (DATA / "json_text_fields.json").read_bytes(),
        url="https://plain.example/feed.json",
        headers={},
        fetched_at=FETCHED,
    )
    assert [i.author for i in json_feed.items] == ["Feed Author", "Item Author"]


def test_rfc822_dates_without_zone_or_space_are_read_on_both_paths() -> None:
    for parsed in _both("rss_dates_authors.xml", "https://dates.example/feed"):
        assert [(i.published.isoformat(), i.published_is_fallback) for i in parsed.items] == [
            ("2025-11-03T10:00:00+00:00", False),  # no zone: UTC
            ("2025-11-04T11:30:00+00:00", False),  # "Tue,04 Nov"
        ]
        # an unclosed <object>: its fallback text and everything after it survive
        assert parsed.items[0].summary == "Intro.\nThe chart shows growth."


def test_common_rfc822_dates_read_as_feedparser_reads_them() -> None:
    """parse_date reads "Mon, 03 Nov 2025 10:00:00 GMT" (or +hhmm) itself: the same instant
    as feedparser's handlers give, for real dates, offsets and dates that do not exist."""
    from feedparser.datetimes import _parse_date

    def feedparser_date(value: str) -> datetime | None:
        parsed = _parse_date(value)
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None

    rng = random.Random(13)
    start = datetime(1970, 1, 1, tzinfo=UTC)
    values = [
        "Mon, 31 Feb 2025 10:00:00 GMT",
        "Tue, 30 Apr 2025 24:00:00 GMT",
        "1 Jan 2000 00:00:00 +0000",
    ]
    for _ in range(3000):
        when = start + timedelta(seconds=rng.randrange(0, 130 * 365 * 86400))
        text = when.strftime("%a, %d %b %Y %H:%M:%S")
        zone = rng.choice(
            ["GMT", f"{rng.choice('+-')}{rng.randrange(0, 15):02d}{rng.choice([0, 30, 45]):02d}"]
        )
        day = rng.choice([text, text[5:], text.replace(f" {when.day:02d} ", f" {when.day} ")])
        values.append(f"{day} {zone}")
    for value in values:
        ours = parse_date(value)
        assert ours == feedparser_date(value), value
        assert ours is None or ours.tzinfo == UTC


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_json_feed_text_fields_dates_ids_and_utf16(encoding: str) -> None:
    text = (DATA / "json_text_fields.json").read_text(encoding="utf-8")
    body = {
        "utf-8": text.encode("utf-8"),
        "utf-16": text.encode("utf-16"),  # with the platform's BOM
        "utf-16-le-bom": b"\xff\xfe" + text.encode("utf-16-le"),
        "utf-16-be-bom": b"\xfe\xff" + text.encode("utf-16-be"),
    }[encoding]
    parsed = parse_feed(body, url="https://plain.example/feed.json", headers={}, fetched_at=FETCHED)
    assert parsed.warning is None and parsed.title == "Plain Text Feed"
    first, second = parsed.items
    assert first.guid == "https://plain.example/1"  # spaces around the id stripped
    assert first.title == "Use <b> for bold"
    assert first.summary == "Tags like <i> are words here"
    assert first.content == "Use <b> tags & <i> too."  # content_text is text
    assert first.published.isoformat() == "2025-11-03T10:00:00+00:00"  # lower-case t and z
    assert not first.published_is_fallback
    assert second.content == "HTML is HTML."  # content_html is HTML
    assert second.published.isoformat() == "2016-12-31T23:59:59+00:00"  # :60 clamped
    assert not second.published_is_fallback


def test_html_becomes_clean_text() -> None:
    parsed = _parse(DATA / "cdata_padded.xml", "https://padded.example/feed")
    assert parsed.items[0].summary == "Negotiators met again."  # the script is gone
    content = _parse(DATA / "leading_newline.xml", "https://x.example/").items[0].content
    assert content == "The hearing ran for three hours.\nBoth sides cited earlier rulings."
    assert clean_text("a&nbsp;b &amp; <b>c</b><style>x{}</style>") == "a b & c"
    assert clean_text("AT&T buys X") == "AT&T buys X"
    assert clean_text("<p>one</p><p>two</p>") == "one\ntwo"


def test_a_big_feed_parses_every_item() -> None:
    items = "".join(
        f"<item><title>Story {i} &amp; more</title><link>/s/{i}</link><guid>g{i}</guid>"
        f"<description>{'&lt;p&gt;Paragraph &lt;b&gt;bold&lt;/b&gt;&lt;/p&gt;' * 40}</description>"
        f"<pubDate>Mon, 03 Nov 2025 10:{i % 60:02d}:00 GMT</pubDate></item>"
        for i in range(500)
    )
    body = f'<rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'.encode()
    parsed = parse_feed(body, url="https://big.example/feed", headers={}, fetched_at=FETCHED)
    assert len(parsed.items) == 500 and len(body) > 900_000
    assert parsed.items[499].title == "Story 499 & more"
    assert parsed.items[499].link == "https://big.example/s/499"
    assert parsed.items[0].summary.startswith("Paragraph bold")


def test_rss_ttl_is_read() -> None:
    body = b'<rss version="2.0"><channel><title>T</title><ttl>90</ttl></channel></rss>'
    parsed = parse_feed(body, url="https://t.example/", headers={}, fetched_at=FETCHED)
    assert parsed.ttl_minutes == 90 and parsed.items == ()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<!doctype html><html><body>Hi</body></html>", "not a feed; it looks like a web page"),
        (b"", "not a feed"),
        (b"just text", "not a feed"),
        (b'{"no": "items"}', "not a feed (JSON without an items list)"),
        (b"{broken json", "not a feed (invalid JSON"),
    ],
)
def test_things_that_are_not_feeds(body: bytes, message: str) -> None:
    with pytest.raises(FeedError) as info:
        parse_feed(body, url="https://x.example/", headers={}, fetched_at=FETCHED)
    assert str(info.value).startswith(message)


def test_feed_links_are_discovered_on_a_web_page() -> None:
    page = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
        b'<link rel="alternate" type="application/atom+xml" href="https://o.example/atom">'
        b'<link rel="stylesheet" href="/x.css"></head></html>'
    )
    assert discover_feed_links(page, "https://site.example/blog/") == [
        "https://site.example/feed.xml",
        "https://o.example/atom",
    ]


async def test_parsing_in_worker_processes_gives_the_same_result() -> None:
    body = (DATA / "windows_1251.xml").read_bytes()
    pool = FeedParser(processes=1)
    try:
        remote = await pool.parse(body, url="https://p.example/", headers={}, fetched_at=FETCHED)
        with pytest.raises(FeedError):
            await pool.parse(
                b"<html></html>", url="https://p.example/", headers={}, fetched_at=FETCHED
            )
        assert pool.worker_pids()
    finally:
        pool.close()
    local = parse_feed(body, url="https://p.example/", headers={}, fetched_at=FETCHED)
    assert remote == local


def _all_documents() -> list[tuple[Path, str]]:
    docs = [(p, f"https://fixtures.example/feeds/{p.name}") for p in sorted(DATA.iterdir())]
    shared = REPO.parent / "shared" / "feeds"
    if shared.is_dir():
        docs += [(p, f"https://feeds.example/{p.name}") for p in sorted(shared.iterdir())]
    return [(p, u) for p, u in docs if p.suffix in (".xml", ".json")]


def test_fast_path_gives_exactly_what_feedparser_gives() -> None:
    used = 0
    extra = [
        (
            rss_doc.encode(),
            "https://gen.example/feed.xml",
        )
        for rss_doc in (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>A &amp;'
            " B</title><link>https://gen.example/</link><ttl>45</ttl>"
            "<item><title>x &lt; y &amp; &lt;b&gt;z&lt;/b&gt;</title><guid>rel/1</guid>"
            "<description>&lt;p&gt;One&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;</description>"
            "<pubDate>Tue, 04 Nov 2025 15:30:00 +0100</pubDate></item>"
            "<item><title>No date</title><link>/two</link><guid isPermaLink='false'>t</guid>"
            "<content:encoded xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
            "<![CDATA[<p>Body</p>]]></content:encoded>"
            "<dc:creator xmlns:dc='http://purl.org/dc/elements/1.1/'>Ann</dc:creator>"
            "<dc:date xmlns:dc='http://purl.org/dc/elements/1.1/'>2025-11-03T10:00:00Z</dc:date>"
            "</item></channel></rss>",
            '<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">T &lt;i&gt;i&lt;/i&gt;'
            '</title><link href="/home"/><entry><id>e1</id><title>E</title>'
            '<link rel="self" href="/self"/><link href="/e1"/>'
            "<updated>2025-11-04T08:00:00+02:00</updated><author><name>Bo</name></author>"
            '<content type="html">&lt;p&gt;C&lt;/p&gt;</content></entry></feed>',
        )
    ]
    documents = [(p.read_bytes(), u) for p, u in _all_documents()] + extra
    for body, url in documents:
        content_type = "application/feed+json" if body.lstrip().startswith(b"{") else "text/xml"
        headers = {"Content-Type": content_type}
        try:
            slow = parse_feed(body, url=url, headers=headers, fetched_at=FETCHED, fast=False)
        except FeedError:
            continue
        quick = parse_feed(body, url=url, headers=headers, fetched_at=FETCHED)
        if quick.warning is None and slow.warning is None:
            used += 1
        assert quick.items == slow.items, url
        assert (quick.title, quick.ttl_minutes, quick.kind) == (
            slow.title,
            slow.ttl_minutes,
            slow.kind,
        ), url
    assert used >= 8  # the fast path really ran on the well-formed documents
