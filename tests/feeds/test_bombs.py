"""Compression bombs stop at the size cap, inside the decoder, for every layer; a poll that
meets one stays small (peak RSS measured in a fresh process by tests/bombcase.py)."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime

import pytest

from bot.feeds.decode import STEP, BodyTooLarge, BoundedDecoder, UnsupportedEncoding
from bot.feeds.fetch import Fetcher, FetchState, make_client
from bot.feeds.fulltext import FullText, FullTextSettings
from tests.bombcase import GOALS, run_case
from tests.feeds.conftest import TEST_FETCH
from tests.feedserver import FeedServer, gzip_bomb, rss

BODY = rss(("Title", "https://news.example/1", "Text " * 200)).encode()


def _decode(data: bytes, encoding: str, cap: int = 1_000_000, chunk: int = 1000) -> bytes:
    decoder = BoundedDecoder(encoding, cap)
    out = bytearray()
    for start in range(0, len(data), chunk):
        for piece in decoder.decode(data[start : start + chunk]):
            assert len(piece) <= STEP
            out.extend(piece)
    return bytes(out)


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b, wbits=-zlib.MAX_WBITS)),  # raw, as some send it
        ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b))),
        ("deflate, gzip", lambda b: gzip.compress(zlib.compress(b))),
        ("identity", lambda b: b),
        ("", lambda b: b),
    ],
)
def test_every_accepted_encoding_decodes_exactly(encoding: str, encode: object) -> None:
    assert callable(encode)
    assert _decode(encode(BODY), encoding) == BODY


def test_concatenated_gzip_members_decode_in_full() -> None:
    assert _decode(gzip.compress(BODY) + gzip.compress(BODY), "gzip") == BODY * 2


@pytest.mark.parametrize("layers", [1, 2])
def test_a_bomb_stops_at_the_cap_inside_the_decoder(layers: int) -> None:
    bomb = gzip_bomb(50_000_000, layers)
    decoder = BoundedDecoder(", ".join(["gzip"] * layers), 1_000_000)
    produced = 0
    with pytest.raises(BodyTooLarge):
        for piece in decoder.decode(bomb):  # the whole bomb as one chunk
            produced += len(piece)
    assert produced <= 1_000_000


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, br", "gzip, gzip, gzip"])
def test_encodings_not_advertised_are_refused(encoding: str) -> None:
    with pytest.raises(UnsupportedEncoding):
        BoundedDecoder(encoding, 1_000_000)


async def test_bombs_end_the_fetch_with_a_clear_too_large_error(server: FeedServer) -> None:
    double = server.serve(
        "/double.xml", gzip_bomb(50_000_000, 2), headers={"Content-Encoding": "gzip, gzip"}
    )
    single = server.serve(
        "/single.xml", gzip_bomb(50_000_000, 1), headers={"Content-Encoding": "gzip"}
    )
    good = server.serve(
        "/good.xml",
        gzip.compress(gzip.compress(BODY)),
        headers={"Content-Encoding": "gzip, gzip"},
    )
    brotli = server.serve("/br.xml", b"\x0b\x02\x80", headers={"Content-Encoding": "br"})
    async with make_client(TEST_FETCH) as client:
        fetcher = Fetcher(client, TEST_FETCH)
        results = [await fetcher.fetch(FetchState(u)) for u in (double, single, good, brotli)]
    too_big = "response larger than the 50,000-byte limit"
    assert [r.error for r in results[:2]] == [too_big, too_big]
    assert results[2].status == "ok" and results[2].body == BODY
    assert results[3].error == "could not decode the response: unsupported Content-Encoding 'br'"
    assert "br" not in server.request_headers[0]["accept-encoding"]


async def test_a_bomb_as_an_article_page_falls_back_to_the_feed_text(server: FeedServer) -> None:
    server.serve("/robots.txt", "", content_type="text/plain")
    page = server.serve(
        "/story", gzip_bomb(50_000_000, 2), headers={"Content-Encoding": "gzip, gzip"}
    )
    async with make_client(TEST_FETCH) as client:
        full = FullText(
            Fetcher(client, TEST_FETCH),
            FullTextSettings(max_page_bytes=100_000),
            lambda: datetime(2025, 11, 6, tzinfo=UTC),
            extract=lambda body, url: "x" * 10_000,
        )
        text = await full.text_for(page, "a teaser")
    assert text.source == "feed" and text.text == "a teaser"
    assert text.note == (
        "article page could not be fetched: response larger than the 100,000-byte limit"
    )


@pytest.mark.parametrize("case", ["double-gzip-feed", "gzip-1mb-feed", "double-gzip-page"])
def test_peak_memory_of_a_poll_meeting_a_bomb_stays_bounded(case: str) -> None:
    figures = run_case(case)  # a fresh process: its maxrss is the poll's own
    assert "larger than" in figures["outcome"]
    assert figures["peak_rss_mb"] <= GOALS["peak_rss_mb_max"], figures
