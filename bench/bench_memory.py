"""Memory at 10^6 imported events, code before and after in one run (not a test).

Each measurement runs in its own process started from a code root (this checkout, or
``--before ROOT``: an unpacked copy of an earlier commit, whose ``geo`` is imported first),
alternating before/after for ``--rounds`` rounds:

- ``read_dataset``: ``geo.importers.read_dataset(KIND, CSV)`` (the whole file in memory),
  its peak as ``bench_data.py`` measures it (the largest PSS sum, sampled every 20 ms);
- ``load``: ``geo.dataset.load_dataset`` on a data folder holding the imported file (what the
  app loads), with Arrow on ``malloc`` as in the app: the peak (``VmHWM``) and the resident
  memory after ``geo._memory.release_memory`` (what the server keeps).

    CONFLICTMAP_BOUNDARIES_DIR=../shared/data/boundaries/geoboundaries \\
        python bench/bench_memory.py --before /tmp/before --acled acled.csv --ucdp ucdp.csv \\
        --data-dir /tmp/data
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

LOAD = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from geo._memory import release_memory, use_system_allocator
use_system_allocator()
from geo.config import Settings
from geo.dataset import load_dataset

def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return float("nan")

base = status("VmRSS:")
import time
start = time.perf_counter()
data = load_dataset(Settings.from_env(), boundaries="optional", invalid="skip")
seconds = time.perf_counter() - start
release_memory()
print(json.dumps({"events": len(data.events), "peak_mb": status("VmHWM:"), "seconds": seconds,
                  "rss_mb": status("VmRSS:"), "base_mb": base,
                  "frame_mb": float(data.events.memory_usage(deep=True).sum()) / 2**20}))
"""


def _run(args: list[str], env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--acled", type=Path)
    parser.add_argument("--ucdp", type=Path)
    parser.add_argument("--data-dir", type=Path, help="data folder with an imported file")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    roots = {"before": args.before.resolve(), "after": HERE}
    env = {**os.environ}
    print(f"# load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("| round | what | code | peak MiB | RSS after release MiB | seconds | load average |")
    print("|---|---|---|---|---|---|---|")
    for rnd in range(1, args.rounds + 1):
        for kind, csv in (("acled", args.acled), ("ucdp", args.ucdp)):
            if csv is None:
                continue
            for code, root in roots.items():
                got = _run(
                    [sys.executable, str(root / "bench" / "bench_data.py"), "--child", kind,
                     "read1", str(csv)],
                    env,
                )  # fmt: skip
                print(
                    f"| {rnd} | read_dataset {kind} ({got['rows']:,} rows) | {code} "
                    f"| {got['peak_mb']:,.0f} | | {got['seconds']:.1f} "
                    f"| {os.getloadavg()[0]:.1f} |",
                    flush=True,
                )
        if args.data_dir:
            for code, root in roots.items():
                got = _run(
                    [sys.executable, "-c", LOAD, str(root)],
                    {**env, "CONFLICTMAP_DATA_DIR": str(args.data_dir)},
                )
                print(
                    f"| {rnd} | load_dataset ({got['events']:,} events) | {code} "
                    f"| {got['peak_mb']:,.0f} | {got['rss_mb']:,.0f} | {got['seconds']:.1f} "
                    f"| {os.getloadavg()[0]:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
