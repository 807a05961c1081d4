"""
Start-up: how long the library and the command line take before doing any work.

Every figure is a whole process (interpreter start included), the median of
several runs, compared with a bare interpreter importing attrs, click and
pendulum (the floor: what any program built on them pays).

Targets: ``import persona_clone`` within 2x the floor; ``persona-clone --help``
and the start of every command (its ``--help``) within 3x.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


COMMANDS = (
    "inspect",
    "build",
    "validate",
    "finetune",
    "finetune-local",
    "jobs",
    "chat",
    "discord",
    "telegram",
    "evaluate",
    "review",
)
"""The commands whose start is measured."""


def _cli() -> list[str]:
    """The installed ``persona-clone`` script, else the module run the same way."""
    script = Path(sys.executable).with_name("persona-clone")
    found = str(script) if script.exists() else shutil.which("persona-clone")
    return [found] if found else [sys.executable, "-m", "persona_clone"]


def _medians(commands: list[list[str]], runs: int) -> list[float]:
    """
    Run every command *runs* times and return each one's median wall time.

    The commands take turns (one run of each per round, after a warm-up round), so
    a change in the machine's load moves every figure alike and the ratios hold.
    """
    times: list[list[float]] = [[] for _ in commands]
    for round_ in range(runs + 1):
        for command, spent in zip(commands, times, strict=True):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            if round_:
                spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def main(argv: list[str] | None = None) -> int:
    """Print start-up times and their ratios to the floor."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--runs", type=int, default=7, help="runs per figure (median)")
    options.add_argument("--messages", type=int, help="ignored (shared benchmark option)")
    args = options.parse_args(argv)
    python, cli = sys.executable, _cli()
    rows = [
        (
            "python -c import attrs, click, pendulum",
            [python, "-c", "import attrs, click, pendulum"],
            0.0,
        ),
        ("import persona_clone", [python, "-c", "import persona_clone"], 2.0),
        ("persona-clone --help", [*cli, "--help"], 3.0),
        *((f"persona-clone {c} --help", [*cli, c, "--help"], 3.0) for c in COMMANDS),
    ]
    floor, *seconds = _medians([command for _, command, _ in rows], args.runs)
    print(f"startup: whole processes, median of {args.runs}")
    print(f"  {rows[0][0]:40} {floor:6.3f} s  (floor)")
    worst = 0.0
    for (label, _, target), spent in zip(rows[1:], seconds, strict=True):
        ratio = spent / floor
        worst = max(worst, ratio / target)
        print(f"  {label:40} {spent:6.3f} s  {ratio:5.2f}x floor  (target <= {target:.1f}x)")
    print(f"  worst figure / its target = {worst:.2f}  (target <= 1.00)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
