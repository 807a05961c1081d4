"""
Run the benchmarks: ``nox -s bench`` or ``python benchmarks/run.py [NAME ...] [-- ARGS]``.

Each ``bench_<name>.py`` beside this file prints its figures and the ratios that
the project's targets are stated in (absolute times drift on shared machines).
Arguments after ``--`` go to every benchmark (e.g. ``-- --messages 200000``).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all when none are named)."""
    names, passed = argv, list[str]()
    if "--" in argv:
        cut = argv.index("--")
        names, passed = argv[:cut], argv[cut + 1 :]
    available = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    chosen = names or available
    sys.path.insert(0, str(HERE))
    status = 0
    for name in chosen:
        if name not in available:
            print(f"unknown benchmark {name!r}; available: {', '.join(available)}")
            return 2
        module = importlib.import_module(f"bench_{name}")
        status |= module.main(passed)
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
