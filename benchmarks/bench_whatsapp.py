"""
Benchmark `persona_clone.parse` on a large WhatsApp export, side by side with the floor.

Generates an export with ``../shared/bench/gen_exports.py`` in a temporary folder,
then runs, each in a fresh process so times and peak memory do not mix, and
alternating the tools on every round so a change in machine load hits all alike:

- ``floor.py stream``: the reference minimal streaming parser (naive tuples);
- ``persona_clone.parse(...)`` consuming full `Message` objects one by one, with
  the date order inferred (the default) and given (``date_order=``);
- whatstk, if it is installed.

Prints one JSON line per tool (best of ``--repeat`` rounds) and the ratios. Usage::

    python benchmarks/bench_whatsapp.py --messages 200000 --format whatsapp-android
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path


SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# The date order gen_exports.py writes, per format.
ORDERS = {
    "whatsapp-android": "m/d/y",
    "whatsapp-android-24h": "d/m/y",
    "whatsapp-ios": "d/m/y",
    "whatsapp-ios-12h": "m/d/y",
}

_OURS = """
import json, resource, sys, time
import persona_clone
path, zone, order = sys.argv[1:4]
parser = persona_clone.WhatsAppParser(
    date_order=persona_clone.DateOrder(order) if order else None
)
start = time.perf_counter()
count = 0
for _ in persona_clone.parse(path, format=parser, tz=zone):
    count += 1
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"count": count, "seconds": round(seconds, 4),
                  "peak_rss_mb": round(peak, 1)}))
"""

_WHATSTK = """
import json, resource, sys, time
from whatstk import WhatsAppChat
start = time.perf_counter()
chat = WhatsAppChat.from_source(filepath=sys.argv[1], max_size=None)  # its 50 MB cap off
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"count": len(chat.df), "seconds": round(seconds, 4),
                  "peak_rss_mb": round(peak, 1)}))
"""

_BASELINE = """
import json, resource
import persona_clone
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"peak_rss_mb": round(peak, 1)}))
"""


def _run(command: list[str]) -> dict[str, object]:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _faster(result: dict[str, object], best: dict[str, object]) -> bool:
    if "seconds" not in result:
        return False
    if "seconds" not in best:
        return True
    return float(result["seconds"]) < float(best["seconds"])  # type: ignore[arg-type]


def _has_whatstk() -> bool:
    done = subprocess.run(
        [sys.executable, "-c", "import whatstk"], capture_output=True, check=False
    )
    return done.returncode == 0


def main(argv: list[str] | None = None) -> int:
    """Generate an export, time the floor and persona_clone on it, print the ratios."""
    options = argparse.ArgumentParser(description="Benchmark the WhatsApp parser.")
    options.add_argument("--messages", type=int, default=1_000_000)
    options.add_argument("--format", default="whatsapp-android", choices=sorted(ORDERS))
    options.add_argument("--seed", type=int, default=1)
    options.add_argument("--tz", default="Europe/Istanbul")
    options.add_argument("--shared", type=Path, default=SHARED)
    options.add_argument("--repeat", type=int, default=1, help="rounds; the best is kept")
    args = options.parse_args(argv)

    bench = args.shared / "bench"
    if not (bench / "gen_exports.py").is_file():
        sys.stderr.write(f"{bench} holds no gen_exports.py; pass --shared\n")
        return 2
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "chat.txt"
        subprocess.run(
            [
                sys.executable,
                str(bench / "gen_exports.py"),
                "--format", args.format,
                "--messages", str(args.messages),
                "--seed", str(args.seed),
                "-o", str(export),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        floor = [sys.executable, str(bench / "floor.py"), "stream", args.format]
        ours = [sys.executable, "-c", _OURS, str(export), args.tz]
        runs = {
            "floor": [*floor, str(export)],
            "persona_clone": [*ours, ""],
            "persona_clone date_order": [*ours, ORDERS[args.format]],
        }
        if _has_whatstk():
            runs["whatstk"] = [sys.executable, "-c", _WHATSTK, str(export)]
        results: dict[str, dict[str, object]] = {}
        for _ in range(args.repeat):
            for name, command in runs.items():
                result = _run(command)
                best = results.get(name)
                if best is None or _faster(result, best):
                    results[name] = result
        for name, result in results.items():
            sys.stdout.write(json.dumps({"tool": name, **result}) + "\n")
        interpreter = _run([sys.executable, "-c", _BASELINE])
    summary: dict[str, object] = {
        "messages": args.messages,
        "format": args.format,
        "import_peak_rss_mb": interpreter.get("peak_rss_mb"),
    }
    for ours_name in ("persona_clone", "persona_clone date_order"):
        mine = results[ours_name]
        for name in ("floor", "whatstk"):
            other = results.get(name, {})
            if "seconds" in mine and "seconds" in other:
                ratio = float(mine["seconds"]) / float(other["seconds"])  # type: ignore[arg-type]
                summary[f"{ours_name} / {name}"] = round(ratio, 2)
    sys.stdout.write(json.dumps(summary) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
