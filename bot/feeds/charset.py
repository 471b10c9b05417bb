"""Feed bytes in an encoding feedparser reads right: the declared charset, mended UTF-8,
and numeric references to lone surrogates made harmless."""

from __future__ import annotations

import re

_UTF8_BOM = b"\xef\xbb\xbf"
_PROLOG_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']""")
_CHARSET = re.compile(r";\s*charset\s*=\s*[\"']?([\w.:-]+)[\"']?", re.IGNORECASE)


def normalise_encoding(body: bytes, content_type: str) -> tuple[bytes, str]:
    """Settle the encoding before feedparser sees the bytes, for the common lies:

    - bytes that are valid UTF-8 (and not plain ASCII) are UTF-8, whatever the HTTP header
      or the XML prolog claims (a legacy single-byte text is practically never valid UTF-8);
    - a document that says it is UTF-8 (BOM, header or prolog) but has stray invalid bytes
      keeps its UTF-8 and reads each stray byte as Windows-1252 (a Latin-1 "ñ" pasted in).

    Anything else (declared legacy encodings, UTF-16, no declaration) is left to feedparser,
    which uses the declarations and then chardet.
    """
    media = content_type.split(";", 1)[0].strip() or "application/xml"
    if media.startswith("text/"):
        media = "application/xml"  # RFC 3023 would make text/* without charset US-ASCII
    declared = _declared_charset(body, content_type)
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body, media
    if body.isascii():
        return body, _with_charset(media, declared)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        says_utf8 = body.startswith(_UTF8_BOM) or (declared or "").lower() in ("utf-8", "utf8")
        if not says_utf8:
            return body, _with_charset(media, declared)
        mended = _mend_utf8(body)
        if mended is None:
            return body, _with_charset(media, declared)
        return mended, f"{media}; charset=utf-8"
    return body, f"{media}; charset=utf-8"


def _declared_charset(body: bytes, content_type: str) -> str | None:
    header = _CHARSET.search(content_type)
    if header:
        return header.group(1)
    prolog = _PROLOG_ENCODING.match(body.removeprefix(_UTF8_BOM)[:200])
    return prolog.group(1).decode("ascii") if prolog else None


def _with_charset(media: str, charset: str | None) -> str:
    return f"{media}; charset={charset}" if charset else media


def _mend_utf8(body: bytes, max_repairs: int = 200) -> bytes | None:
    """UTF-8 with each invalid byte read as Windows-1252; None when too broken to mend."""
    parts: list[str] = []
    view = body.removeprefix(_UTF8_BOM)
    for _ in range(max_repairs):
        try:
            parts.append(view.decode("utf-8"))
            return "".join(parts).encode("utf-8")
        except UnicodeDecodeError as exc:
            parts.append(view[: exc.start].decode("utf-8"))
            parts.append(view[exc.start : exc.end].decode("cp1252", errors="replace"))
            view = view[exc.end :]
    return None


_MAYBE_SURROGATE = re.compile(rb"&#(?:[xX]0*[dD][89a-fA-F][0-9a-fA-F]{2}|0*5[5-7][0-9]{3});")
_NUMERIC_REF = re.compile(rb"&#([xX][0-9a-fA-F]{1,8}|[0-9]{1,8});")


def mend_surrogate_references(body: bytes) -> bytes:
    """Character references to UTF-16 surrogates ("&#55357;&#56832;", written by generators
    that count in UTF-16) as the character meant; a lone one as U+FFFD. XML forbids them,
    and feedparser raises UnicodeEncodeError on them."""
    if b"&#" not in body or not _MAYBE_SURROGATE.search(body):
        return body
    refs = list(_NUMERIC_REF.finditer(body))
    parts: list[bytes] = []
    done = index = 0
    while index < len(refs):
        ref = refs[index]
        value = _ref_value(ref.group(1))
        index += 1
        if not 0xD800 <= value <= 0xDFFF:
            continue
        parts.append(body[done : ref.start()])
        done = ref.end()
        low = refs[index] if index < len(refs) else None
        if value <= 0xDBFF and low is not None and low.start() == ref.end():
            low_value = _ref_value(low.group(1))
            if 0xDC00 <= low_value <= 0xDFFF:
                code = 0x10000 + ((value - 0xD800) << 10) + (low_value - 0xDC00)
                parts.append(b"&#%d;" % code)
                done = low.end()
                index += 1
                continue
        parts.append(b"&#65533;")
    parts.append(body[done:])
    return b"".join(parts)


def _ref_value(digits: bytes) -> int:
    return int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
