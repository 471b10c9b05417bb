"""One running bot per database: an OS lock on a file beside it, which also says how it is.

`newsbot run` holds an exclusive `flock` on `<database>.lock` for as long as it runs; a
second `run` on the same database finds it held and stops, naming the holder's pid. The OS
drops the lock when the process ends, however it ends, so a crash never leaves it stale.

The file holds one JSON line: the holder's pid and the database problem it last met (disk
full, corruption), so `newsbot health` can name the real cause even while the database
cannot be written. The line is rewritten in place at a fixed size: a full disk, or a
file-size limit, cannot stop that write.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from bot.errors import StoreError

STATUS_BYTES = 1024
ACQUIRE_TRIES = 5  # `health` takes the lock shared for an instant: try a few times


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@dataclass(frozen=True)
class RunningBot:
    """The bot holding a database's lock, and the database problem it reported (if any)."""

    pid: int | None
    problem: str | None = None
    since: str | None = None


class InstanceLock:
    """The held lock of the running bot; `write_status` reports database problems."""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, database: Path) -> InstanceLock:
        """Take the lock beside `database`, or raise StoreError naming the pid holding it."""
        path = lock_path(database)
        if str(database) == ":memory:":
            return cls(path, None)  # a private database: nobody else can open it
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot create the lock file {path}: {exc.strerror}") from None
        for attempt in range(ACQUIRE_TRIES):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt + 1 < ACQUIRE_TRIES:
                    time.sleep(0.05)
        else:
            holder = _read_status(fd).pid
            os.close(fd)
            who = f"pid {holder}" if holder else "another process"
            raise StoreError(
                f"another newsbot ({who}) is running on {database}; stop it first"
            ) from None
        lock = cls(path, fd)
        lock.write_status(None)
        return lock

    def write_status(self, problem: str | None, since: str | None = None) -> None:
        """Record the database problem the bot has now (None: none), in place."""
        if self._fd is None:
            return
        record = {"pid": os.getpid(), "problem": problem, "since": since}
        line = json.dumps(record, ensure_ascii=False).encode("utf-8")
        if len(line) >= STATUS_BYTES:
            record["problem"] = (problem or "")[: STATUS_BYTES // 2] + "…"
            line = json.dumps(record).encode("utf-8")[: STATUS_BYTES - 1]
        with contextlib.suppress(OSError):  # the status is a courtesy; the lock is what counts
            os.pwrite(self._fd, line.ljust(STATUS_BYTES - 1) + b"\n", 0)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor drops the lock
            self._fd = None


def running_bot(database: Path) -> RunningBot | None:
    """The bot running on `database` (None when no process holds its lock)."""
    try:
        fd = os.open(lock_path(database), os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_status(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_status(fd: int) -> RunningBot:
    try:
        data = json.loads(os.pread(fd, STATUS_BYTES, 0).decode("utf-8", "replace").strip())
        pid = int(data["pid"]) if data.get("pid") else None
        return RunningBot(pid, data.get("problem") or None, data.get("since") or None)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return RunningBot(None)
