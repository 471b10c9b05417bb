"""What a failing database means, in one line: disk full, corrupt, or some other trouble.

`describe(exc)` turns an SQLite (or OS) error into a StoreFault: its kind and the line a
user reads. `StorageStatus` is the running bot's memory of the fault it is in: it logs one
line when a fault starts and one when it ends (not a traceback per poll), publishes the
fault beside the database (bot/store/lock.py) so `newsbot health` names the real cause,
and tells polls and deliveries to wait instead of failing one by one. A disk that fills
up recovers by itself once there is room (the next successful write says so); a corrupt
database stays faulted until a backup is restored.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.errors import StoreError

log = logging.getLogger(__name__)

# What the store raises when the database itself fails (callers catch these, not sqlite3).
STORE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error,)

FaultKind = Literal["full", "corrupt", "busy", "io", "other"]

_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_IOERR, _SQLITE_CORRUPT = 5, 6, 10, 11
_SQLITE_FULL, _SQLITE_NOTADB = 13, 26
# The I/O errors of a file that cannot grow (no room, or a file-size limit: EFBIG):
# SQLITE_IOERR_WRITE, _TRUNCATE (extending), _SHMSIZE (sizing the -shm file).
_CANNOT_GROW = {778, 1546, 4874}


@dataclass(frozen=True)
class StoreFault:
    """One database problem: `message` is what follows "database: " in every report."""

    kind: FaultKind
    message: str

    @property
    def line(self) -> str:
        return f"database: {self.message}"


def describe(exc: BaseException) -> StoreFault:
    """The fault an SQLite or OS error stands for, with the action that helps."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return StoreFault("full", f"disk full ({exc.strerror})")
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    lowered = text.lower()
    if primary == _SQLITE_FULL or "disk is full" in lowered:
        return StoreFault("full", f"disk full ({text})")
    if code in _CANNOT_GROW:
        return StoreFault(
            "full",
            f"cannot write ({text}: the disk is full or a file-size limit was reached)",
        )
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in lowered:
        return StoreFault(
            "corrupt", f"corrupt ({text}); restore a backup with `newsbot restore BACKUP`"
        )
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in lowered:
        return StoreFault("busy", f"busy ({text}): another program holds it")
    if primary == _SQLITE_IOERR or "i/o error" in lowered:
        return StoreFault("io", f"disk I/O error ({text})")
    return StoreFault("other", f"error ({text})")


def is_storage_fault(exc: BaseException) -> bool:
    """Whether `exc` is the database failing (disk, file, lock) rather than a bug in a
    query (e.g. a constraint), which is handled like any other bug."""
    return isinstance(exc, STORE_ERRORS) and describe(exc).kind != "other"


class StorageStatus:
    """The fault the running bot's database is in now (None: none), reported once.

    `publish(line, since)` is called on every change (the instance lock's status line).
    """

    def __init__(
        self,
        clock: Callable[[], datetime],
        publish: Callable[[str | None, str | None], None] | None = None,
    ) -> None:
        self._clock = clock
        self._publish = publish
        self.fault: StoreFault | None = None
        self.since: datetime | None = None
        self.on_recovered: list[Callable[[], None]] = []  # e.g. poll the waiting feeds now

    def failed(self, exc: BaseException) -> StoreFault:
        """Record that a database operation failed with `exc`; logs when the fault is new."""
        fault = describe(exc)
        if self.fault is not None and self.fault.kind in (fault.kind, "corrupt"):
            return self.fault
        first = self.fault is None
        self.fault = fault
        if first:
            self.since = self._clock()
        waits = "" if fault.kind == "corrupt" else "; polls and deliveries wait until it works"
        log.error("%s%s", fault.line, waits)
        if self._publish is not None:
            self._publish(fault.line, self.since.isoformat() if self.since else None)
        return fault

    def succeeded(self) -> None:
        """A write went through: a passing fault (disk full, busy) is over. Corruption is
        not: only a restored backup (and a restart) ends it."""
        if self.fault is None or self.fault.kind == "corrupt":
            return
        lasted = (self._clock() - self.since).total_seconds() if self.since else 0.0
        log.info("database: writing works again (after %.0fs of %s)", lasted, self.fault.kind)
        self.fault = None
        self.since = None
        if self._publish is not None:
            self._publish(None, None)
        for listener in self.on_recovered:
            listener()

    def raise_if_faulted(self) -> None:
        """StoreError (printed as "newsbot: database: …", exit 1) while in a fault."""
        if self.fault is not None:
            raise StoreError(self.fault.message)
