"""
End-to-end dataset benchmark: WhatsApp export -> chat JSONL with the CLI.

Generates a WhatsApp Android export with ``../shared/bench/gen_exports.py``, then,
in the same run and each in a fresh interpreter, times parsing alone (every
message read with `persona_clone.parse`) and the CLI's ``build`` on the same file.
The target: the build takes at most 2.5 times as long as parsing alone, with
memory that does not grow with the export.

Usage::

    python benchmarks/bench_pipeline.py --messages 1000000
    python benchmarks/bench_pipeline.py --messages 100000 --repeat 3 --keep /tmp/bench
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT.parent / "shared" / "bench" / "gen_exports.py"
TARGET_RATIO = 2.5

_PARSE = """
import json, resource, sys, time
from persona_clone import parse
start = time.perf_counter()
count = sum(1 for _ in parse(sys.argv[1], format=sys.argv[2], tz="UTC"))
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "messages": count, "peak_mib": peak}))
"""

_BUILD = """
import json, resource, sys, time
from persona_clone.cli import main
start = time.perf_counter()
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "peak_mib": peak}), file=sys.stderr)
"""


def _run(code: str, *args: str) -> dict[str, Any]:
    """Run *code* in a fresh interpreter and return the JSON it prints last."""
    completed = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    streams = completed.stdout + "\n" + completed.stderr
    lines = [line for line in streams.splitlines() if line.startswith('{"seconds"')]
    if completed.returncode != 0 or not lines:
        tail = "\n".join(streams.strip().splitlines()[-15:])
        msg = f"benchmark step failed (exit {completed.returncode}):\n{tail}"
        raise RuntimeError(msg)
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def generate(messages: int, folder: Path, fmt: str) -> tuple[Path, dict[str, Any]]:
    """Write the export with the shared generator; return it and its manifest."""
    export = folder / f"export-{fmt}-{messages}.txt"
    if not export.exists():
        subprocess.run(
            [
                sys.executable,
                str(GENERATOR),
                "--format",
                fmt,
                "--messages",
                str(messages),
                "--seed",
                "1",
                "-o",
                str(export),
            ],
            check=True,
            capture_output=True,
        )
    manifest = json.loads(Path(f"{export}.manifest.json").read_text(encoding="utf-8"))
    return export, manifest


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0, or 1 when ``--check`` and the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--format", default="whatsapp-android-24h")
    parser.add_argument("--parser", default="whatsapp", help="persona_clone parser name")
    parser.add_argument("--persona", help="default: the export's most active author")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="folder to keep the export in")
    parser.add_argument("--check", action="store_true", help="exit 1 above the target")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        export, manifest = generate(args.messages, folder, args.format)
        persona = args.persona or next(iter(manifest["authors"]))
        parse_runs, build_runs = [], []
        for round_ in range(args.repeat):
            parse_runs.append(_run(_PARSE, str(export), args.parser))
            out = Path(scratch) / f"out{round_}"
            build_runs.append(
                _run(
                    _BUILD,
                    "build",
                    str(export),
                    "--persona",
                    persona,
                    "--attest-consent",
                    "--input-format",
                    args.parser,
                    "-o",
                    str(out),
                )
            )
        parse_s = statistics.median(r["seconds"] for r in parse_runs)
        build_s = statistics.median(r["seconds"] for r in build_runs)
        ratio = build_s / parse_s
        report = {
            "records": manifest["records"],
            "bytes": manifest["bytes"],
            "persona": persona,
            "parse_s": round(parse_s, 2),
            "build_s": round(build_s, 2),
            "ratio": round(ratio, 2),
            "target_ratio": TARGET_RATIO,
            "parse_peak_mib": round(max(r["peak_mib"] for r in parse_runs), 1),
            "build_peak_mib": round(max(r["peak_mib"] for r in build_runs), 1),
            "python": sys.version.split()[0],
            "measured_at": time.strftime("%Y-%m-%d"),
        }
    print(json.dumps(report, indent=2))
    return 1 if args.check and ratio > TARGET_RATIO else 0


if __name__ == "__main__":
    raise SystemExit(main())
