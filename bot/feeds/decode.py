"""Content-Encoding decoding with the size cap inside the decoder, so a compression bomb
stops after `cap` bytes instead of after it has filled memory.

zlib's decompressobj is asked for at most `step` bytes at a time (`max_length`), for every
layer of a stacked encoding such as `gzip, gzip`; each layer's output is counted, and
decoding stops with BodyTooLarge as soon as one passes the cap. Only gzip and deflate
are decoded (they are all the fetcher advertises); anything else is an UnsupportedEncoding.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

STEP = 65_536  # the most one decompress call may return
MAX_LAYERS = 2  # "gzip, gzip" is already unusual; more is only ever an attack
_GZIP_WBITS = 16 + zlib.MAX_WBITS


class BodyTooLarge(Exception):
    """A layer of the body decoded to more than the cap."""


class UnsupportedEncoding(Exception):
    """A Content-Encoding we neither advertise nor decode, or too many layers of it."""


class CorruptEncoding(Exception):
    """The bytes are not valid for their declared encoding."""


class _Layer:
    """One gzip or deflate layer, giving at most STEP bytes per decompress call."""

    def __init__(self, coding: str, cap: int) -> None:
        self._coding = coding
        self._cap = cap
        self._out = 0
        self._started = False
        self._obj = self._new()

    def _new(self) -> zlib._Decompress:
        # deflate is zlib-wrapped by the standard, raw by some servers (tried on failure)
        return zlib.decompressobj(_GZIP_WBITS if self._coding == "gzip" else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            try:
                piece = self._obj.decompress(data, STEP)
            except zlib.error as exc:
                if self._coding == "deflate" and not self._started:
                    self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._started = True
                    continue
                raise CorruptEncoding(f"invalid {self._coding} data ({exc})") from None
            self._started = True
            data = self._obj.unconsumed_tail
            if piece:
                self._out += len(piece)
                if self._out > self._cap:
                    raise BodyTooLarge(f"{self._coding} layer passed {self._cap:,} bytes")
                yield piece
            if self._obj.eof and self._obj.unused_data and self._coding == "gzip":
                data = self._obj.unused_data  # another gzip member follows
                self._obj = self._new()
                continue
            if not data and len(piece) < STEP:
                return  # input used up and nothing left inside zlib


class BoundedDecoder:
    """Decodes a body chunk by chunk, never holding more than a step per layer at once."""

    def __init__(self, content_encoding: str, cap: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = ["gzip" if c == "x-gzip" else c for c in codings if c != "identity"]
        unknown = [c for c in codings if c not in ("gzip", "deflate")]
        if unknown:
            raise UnsupportedEncoding(f"unsupported Content-Encoding {unknown[0]!r}")
        if len(codings) > MAX_LAYERS:
            raise UnsupportedEncoding(
                f"{len(codings)} layers of Content-Encoding (at most {MAX_LAYERS} are decoded)"
            )
        # The last coding listed was applied last, so it is undone first.
        self._layers = [_Layer(c, cap) for c in reversed(codings)]

    def decode(self, data: bytes) -> Iterator[bytes]:
        """The decoded pieces of one raw chunk (each at most STEP bytes)."""
        yield from self._through(0, data)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._layers):
            if data:
                yield data
            return
        for piece in self._layers[index].feed(data):
            yield from self._through(index + 1, piece)
