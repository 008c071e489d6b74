"""Run a snippet of Python in a fresh interpreter (what a module imports, what it caches on first
use: things an already-warm test process cannot show)."""
from __future__ import annotations

import subprocess
import sys

import config


def fresh_stdout(code: str) -> str:
    """The stripped standard output of `python -c code`, run from the repository's root."""
    return subprocess.run([sys.executable, "-c", code], cwd=config.ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()
