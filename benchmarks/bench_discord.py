"""
Benchmark: persona_clone's DiscordChatExporter JSON parser against the floor.

Generates an export with ``../shared/bench/gen_exports.py`` in a temporary
folder, then runs, each in its own process so peak memory is its own:

- the floor: ``floor.py orjson-msgs`` (``orjson.loads`` of the whole file plus a
  list of ``(datetime, author, content)`` tuples; ``json-msgs`` when orjson is
  not installed);
- ours: ``persona_clone.parse(path, format="discord-json")`` yielding full
  `Message` values, counted and dropped as a streaming consumer would.

Prints each run's seconds and peak RSS, then the time ratio (target: at most
1.5) and our peak (target: under 300 MB at one million messages).

Usage::

    python benchmarks/bench_discord.py [--messages 1000000] [--seed 1] [--repeat 1]
        [--reverse] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]

OURS = """
import json, resource, sys, time
from persona_clone import parse
start = time.perf_counter()
count = sum(1 for _ in parse(sys.argv[1], format="discord-json", strict=True))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"count": count, "seconds": seconds, "peak_rss_mb": peak}))
"""

REVERSE = """
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    document = json.load(f)
document["messages"].reverse()
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(document, f, ensure_ascii=False, indent=2)
"""


def _run(command: list[str]) -> dict[str, float]:
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _measure(command: list[str], repeat: int) -> dict[str, float]:
    runs = [_run(command) for _ in range(repeat)]
    return {
        "count": runs[0]["count"],
        "seconds": statistics.median(r["seconds"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; return the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each (median)")
    parser.add_argument("--reverse", action="store_true", help="also time a newest-first copy")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args(argv)
    bench = args.shared / "bench"
    level = "orjson-msgs" if importlib.util.find_spec("orjson") else "json-msgs"
    with tempfile.TemporaryDirectory(prefix="persona-clone-bench-") as folder:
        export = Path(folder) / "export.json"
        subprocess.run(
            [
                sys.executable,
                str(bench / "gen_exports.py"),
                "--format",
                "discord-json",
                "--messages",
                str(args.messages),
                "--seed",
                str(args.seed),
                "-o",
                str(export),
            ],
            check=True,
            capture_output=True,
        )
        size = export.stat().st_size / 1e6
        floor = _measure(
            [
                sys.executable,
                str(bench / "floor.py"),
                level,
                "discord-json",
                str(export),
            ],
            args.repeat,
        )
        ours = _measure([sys.executable, "-c", OURS, str(export)], args.repeat)
        rows = [(f"floor.py {level}", floor), ("persona_clone discord-json", ours)]
        if args.reverse:
            reversed_export = Path(folder) / "reversed.json"
            subprocess.run(
                [sys.executable, "-c", REVERSE, str(export), str(reversed_export)],
                check=True,
            )
            export.unlink()
            rows.append(
                (
                    "persona_clone, newest-first copy",
                    _measure([sys.executable, "-c", OURS, str(reversed_export)], args.repeat),
                )
            )
    print(f"DiscordChatExporter JSON, {args.messages:,} messages, {size:,.0f} MB")
    for label, result in rows:
        print(
            f"  {label:34} {result['seconds']:8.2f} s {result['peak_rss_mb']:9.1f} MiB"
            f"  ({int(result['count']):,} records)"
        )
    ratio = ours["seconds"] / floor["seconds"]
    print(f"  time ratio ours/floor: {ratio:.2f} (target <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
