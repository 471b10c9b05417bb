"""A real HTTP server on 127.0.0.1 that serves feeds written by the tests, and misbehaves
on request: every fault mode a feed reader meets in the wild.

Routes answer conditional requests (ETag / If-None-Match and Last-Modified /
If-Modified-Since with 304), can compress with gzip, add latency, and fail in these ways:
any status (500, 429 or 503 with Retry-After), a hang (timeout), a slow drip, a truncated
body, an over-size body, redirects (chains, loops), a lying charset, invalid XML, an XML
entity bomb, a compression bomb (`gzip_bomb`), an HTML page instead of a feed. Tests
change a route's behaviour between polls.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True
    last_modified: float | None = None  # a Unix time; answers If-Modified-Since
    delay: float = 0.0  # seconds before the status line (a hanging server)
    drip: float = 0.0  # seconds between 64-byte chunks of the body (a slow server)
    truncate: int | None = None  # announce the full length, send this many bytes, hang up
    location: str | None = None  # for redirects
    gzip: bool = False


@dataclass
class FeedServer:
    """Routes by path; records every request and how many ran at once."""

    port: int = 0
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    request_headers: list[dict[str, str]] = field(default_factory=list)
    latency: float = 0.0  # added to every response (for the benchmark)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes | str = b"", **kwargs: object) -> str:
        """Serve `body` at `path` with Route options; returns the full URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, **kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 301) -> str:
        target = to if "://" in to else self.url(to)
        self.routes[path] = Route(status=status, location=target, etag=False)
        return self.url(path)

    def count(self, path: str) -> int:
        return sum(1 for hit in self.hits if hit == path)


def _handler(state: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with state.lock:
                state.hits.append(self.path)
                state.request_headers.append({k.lower(): v for k, v in self.headers.items()})
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
            try:
                self._answer()
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with state.lock:
                    state.in_flight -= 1

        def _answer(self) -> None:
            if state.latency:
                time.sleep(state.latency)
            route = state.routes.get(self.path.split("?", 1)[0])
            if route is None:
                self._plain(404, b"not found")
                return
            if route.delay:
                time.sleep(route.delay)
            if route.location:
                self.send_response(route.status)
                self.send_header("Location", route.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = '"' + hashlib.sha1(route.body).hexdigest()[:12] + '"' if route.etag else None
            modified = formatdate(route.last_modified, usegmt=True) if route.last_modified else None
            if route.status == 200 and self._not_modified(etag, modified):
                self.send_response(304)
                if etag:
                    self.send_header("ETag", etag)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = route.body
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            if route.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body)
                self.send_header("Content-Encoding", "gzip")
            if etag:
                self.send_header("ETag", etag)
            if modified:
                self.send_header("Last-Modified", modified)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if route.truncate is not None:
                self.wfile.write(body[: route.truncate])
                self.wfile.flush()
                self.close_connection = True
                return
            if route.drip:
                for start in range(0, len(body), 64):
                    self.wfile.write(body[start : start + 64])
                    self.wfile.flush()
                    time.sleep(route.drip)
                return
            self.wfile.write(body)

        def _not_modified(self, etag: str | None, modified: str | None) -> bool:
            if etag and self.headers.get("If-None-Match") == etag:
                return True
            return bool(modified and self.headers.get("If-Modified-Since") == modified)

        def _plain(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the listen backlog: many clients connect at once


@contextmanager
def running_feed_server(port: int = 0) -> Iterator[FeedServer]:
    state = FeedServer()
    httpd = _Server(("127.0.0.1", port), _handler(state))
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def rss(
    *items: tuple[str, str, str],
    title: str = "Test feed",
    date: str = "Mon, 03 Nov 2025 10:00:00 GMT",
    guids: bool = True,
    extra: str = "",
) -> str:
    """An RSS 2.0 document from (title, link, description) triples."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link>"
        + (f"<guid>{link}</guid>" if guids else "")
        + f"<description>{d}</description><pubDate>{date}</pubDate></item>"
        for t, link, d in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://example.org/</link>{extra}{body}</channel></rss>"
    )


ENTITY_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">\n'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9))
    + ']>\n<rss version="2.0"><channel><title>bomb</title>'
    "<item><title>&j;</title><link>https://bomb.example/1</link></item></channel></rss>"
)


def gzip_bomb(size: int, layers: int = 1) -> bytes:
    """`size` zero bytes gzipped `layers` times, built without holding them in memory:
    serve it with `Content-Encoding: gzip` (or `gzip, gzip` for two layers)."""
    data = b""
    for layer in range(layers):
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        parts: list[bytes] = []
        if layer == 0:
            block = bytes(1_000_000)
            for start in range(0, size, len(block)):
                parts.append(packer.compress(block[: size - start]))
        else:
            parts.append(packer.compress(data))
        parts.append(packer.flush())
        data = b"".join(parts)
    return data
