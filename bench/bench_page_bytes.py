"""Bytes of one app page per element, under AppTest (no browser), curated or imported N.

Not a test. Runs ``app.py`` once with the default view and prints what the page's
websocket messages carry, element by element (:mod:`page_bytes`), for the curated
events and for each ``--imported`` size (a synthetic ACLED CSV imported as
``conflictmap import acled`` would, into a temporary data folder). The browser run
(``bench_canvas.py --app``) decodes the real websocket frames the same way; this one is
quicker and needs no browser. One difference: a ``st.dataframe(lazy=True)`` sends every
row here (no server runtime to serve pages), only its first page in the browser.

    python bench/bench_page_bytes.py --imported 10000,100000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]


def _import(n: int, tmp: Path) -> Path:
    csv, data_dir = tmp / f"acled-{n}.csv", tmp / f"data-{n}"
    data_dir.mkdir()
    subprocess.run([sys.executable, str(BENCH / "synth_datasets.py"), "acled", str(n), str(csv)],
                   check=True)  # fmt: skip
    code = "import sys; from geo.importers import import_file; "
    code += "import_file('acled', sys.argv[1], sys.argv[2], keep_events=False)"
    subprocess.run([sys.executable, "-c", code, str(csv), str(data_dir / "acled.parquet")],
                   check=True, cwd=ROOT)  # fmt: skip
    csv.unlink()
    return data_dir


def _page(label: str, env: dict[str, str], timeout: float) -> None:
    import streamlit as st
    from page_bytes import app_messages, breakdown, table
    from streamlit.testing.v1 import AppTest

    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        with app_messages() as sent:
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
            at.run()  # cold: loading, joining and packing
            t0 = time.perf_counter()
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
            at.run()  # a new page, warm caches
            seconds = time.perf_counter() - t0
        if at.exception:
            print(f"{label}: the page failed: {at.exception[0].message}")
            return
        print(f"\n### {label} (script run, warm caches: {seconds:.2f} s)\n")
        print(table(breakdown(sent)))
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--imported", default="100000", help="sizes of imported ACLED data")
    parser.add_argument("--no-curated", action="store_true")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)

    from geo.config import ENV_DATA_DIR, ENV_MAX_MAP_EVENTS

    with tempfile.TemporaryDirectory(prefix="conflictmap-bytes-") as tmp:
        empty = Path(tmp) / "empty"
        empty.mkdir()
        if not args.no_curated:
            _page("curated (15)", {ENV_DATA_DIR: str(empty)}, args.timeout)
        for n in [int(s) for s in args.imported.split(",") if s.strip()]:
            data_dir = _import(n, Path(tmp))
            env = {ENV_DATA_DIR: str(data_dir), ENV_MAX_MAP_EVENTS: str(n + 1000)}
            _page(f"imported ACLED {n:,}", env, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
