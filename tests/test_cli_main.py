"""The ``conflictmap`` entry point sets its process up before any library loads."""

from __future__ import annotations

import os
import subprocess
import sys

from geo._main import command_env


def test_the_import_command_keeps_freed_memory_for_its_next_block() -> None:
    assert command_env(["import", "ucdp", "ged.csv", "--out", "x.parquet"]) == {
        "MIMALLOC_PURGE_DELAY": "-1"
    }
    assert command_env(["--help"]) == {}
    assert command_env(["summary", "--from", "2020-07-12"]) == {}
    assert command_env([]) == {}


def test_the_setting_is_made_before_arrow_loads() -> None:
    """Arrow's allocator reads it once, when pyarrow is imported: the entry point must get
    there first, and the command it runs must see the setting."""
    code = (
        "import os, sys\n"
        "sys.argv = ['conflictmap', 'import', '--help']\n"
        "import geo._main\n"
        "assert 'pyarrow' not in sys.modules and 'pandas' not in sys.modules\n"
        "try:\n"
        "    geo._main.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(os.environ.get('MIMALLOC_PURGE_DELAY'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MIMALLOC_PURGE_DELAY"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "-1"
    assert "acled" in done.stdout and "ucdp" in done.stdout  # the import command's help ran
