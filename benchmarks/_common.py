"""Shared helpers of the benchmark scripts: find ../shared/bench, generate data, measure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(os.environ.get("PERSONA_CLONE_BENCH", ROOT.parent / "shared" / "bench"))


def require_bench() -> Path:
    """Return the folder of the shared benchmark tools, or exit with a clear message."""
    if not (BENCH / "gen_exports.py").is_file():
        sys.exit(f"benchmark data generator not found in {BENCH} (set PERSONA_CLONE_BENCH)")
    return BENCH


def generate(fmt: str, messages: int, folder: Path, *, seed: int = 1) -> Path:
    """Write a generated export of *messages* messages in *fmt* into *folder*."""
    suffix = ".json" if fmt.startswith("discord") else ".txt"
    out = folder / f"{fmt}-{messages}{suffix}"
    if not out.exists():
        subprocess.run(
            [
                sys.executable,
                str(require_bench() / "gen_exports.py"),
                "--format",
                fmt,
                "--messages",
                str(messages),
                "--seed",
                str(seed),
                "-o",
                str(out),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return out


def measure(code: str, *args: str) -> dict[str, float]:
    """
    Run *code* in a fresh interpreter and return its wall seconds and peak RSS in MiB.

    The code runs as ``python -c``; *args* become ``sys.argv[1:]``.
    """
    wrapper = (
        "import resource, sys, time, json\n"
        "start = time.perf_counter()\n"
        f"{code}\n"
        "elapsed = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps({'seconds': elapsed, 'peak_mib': peak}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper, *args], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def floor(level: str, fmt: str, path: Path) -> dict[str, float]:
    """Run the reference floor script at *level* and return seconds and peak MiB."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(require_bench() / "floor.py"), level, fmt, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    result = json.loads(done.stdout.strip().splitlines()[-1])
    seconds = float(result.get("seconds", wall))
    peak = result.get("peak_rss_mb", 0)
    return {"seconds": seconds, "peak_mib": float(peak)}


def workdir() -> tempfile.TemporaryDirectory[str]:
    """A temporary folder for generated exports (kept out of the repository)."""
    return tempfile.TemporaryDirectory(prefix="persona-clone-bench-")
