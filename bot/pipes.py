"""Exit quietly when whoever reads stdout goes away (`newsbot search … | head -1`).

Python ignores SIGPIPE, so a write to a closed pipe raises BrokenPipeError — a traceback
where a C program would simply have ended. `exits_quietly_when_stdout_closes` wraps the
command line's `main`: the command stops, nothing is printed, and the exit code is 141
(128 + SIGPIPE, what a shell reports for a program a closed pipe stopped).
"""

from __future__ import annotations

import functools
import os
import select
import sys
from collections.abc import Sequence
from typing import Protocol

EXIT_STDOUT_CLOSED = 141


class Main(Protocol):
    """The command line's entry point: argv (None: sys.argv) in, exit code out."""

    def __call__(self, argv: Sequence[str] | None = None) -> int: ...


def exits_quietly_when_stdout_closes(main: Main) -> Main:
    """`main`, ending with EXIT_STDOUT_CLOSED instead of a traceback when stdout closes."""

    @functools.wraps(main)
    def wrapper(argv: Sequence[str] | None = None) -> int:
        try:
            code = main(argv)
            sys.stdout.flush()  # what is still buffered fails here, not at interpreter exit
        except BrokenPipeError:
            if not stdout_is_closed():
                raise  # a broken pipe elsewhere (a socket): not ours to hide
            silence_stdout()
            return EXIT_STDOUT_CLOSED
        return code

    return wrapper


def stdout_is_closed() -> bool:
    """True when stdout is a pipe or socket whose reader is gone (poll reports an error)."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return False
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))


def silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush cannot fail again."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return  # not a real file (a test's capture): nothing will flush it at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
