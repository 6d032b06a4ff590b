"""The ``conflictmap`` command: process settings that must come before any library loads.

``conflictmap import`` maps a file in blocks, each of which allocates and frees some
hundred MB of Arrow buffers. Arrow's default allocator (mimalloc) hands freed memory back
to the system after a few milliseconds, so every block faulted its pages in afresh: at
10^6 UCDP rows that was 1.8 CPU seconds of a 10 s import (bench/README.md, "Nineteenth
run"). For the import command, mimalloc keeps what is freed for the next block
(``MIMALLOC_PURGE_DELAY=-1``; the process ends with the import). The setting is read once,
when Arrow loads, so it is made here, before anything imports pyarrow; one already in the
environment is kept.
"""

from __future__ import annotations

import os
import sys

#: Environment each subcommand's process starts with (unless already set).
PROCESS_ENV = {"import": {"MIMALLOC_PURGE_DELAY": "-1"}}


def command_env(argv: list[str]) -> dict[str, str]:
    """The settings for the subcommand named in ``argv`` (the command line after the
    program's name): :data:`PROCESS_ENV` of the first word that is not an option."""
    words = [a for a in argv if not a.startswith("-")]
    return dict(PROCESS_ENV.get(words[0], {})) if words else {}


def main() -> None:
    for key, value in command_env(sys.argv[1:]).items():
        os.environ.setdefault(key, value)
    from geo.cli import app

    app()
