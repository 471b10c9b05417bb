"""`python -m bot` and the `newsbot` script: hand the arguments to the command line."""

from __future__ import annotations

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
