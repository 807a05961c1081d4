"""
Sessionizing and merging against parsing, on a generated WhatsApp Android export.

Target: sessionizing + merging the parsed messages costs at most half as much as
parsing them, and the stream holds at most one session at a time (peak memory of
parse + sessionize + merge close to that of parsing alone).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import floor, generate, measure, workdir


PARSE = (
    "import persona_clone\n"
    "n = sum(1 for _ in persona_clone.parse(sys.argv[1], format='whatsapp'))\n"
)
PIPELINE = (
    "import persona_clone\n"
    "messages = persona_clone.parse(sys.argv[1], format='whatsapp')\n"
    "sessions = persona_clone.Sessionizer()(messages)\n"
    "n = sum(len(turns) for turns in persona_clone.Merger()(sessions))\n"
)


def main(argv: list[str] | None = None) -> int:
    """Print the ratio of sessionize + merge time to parse time, and peak memory."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--messages", type=int, default=1_000_000)
    args = options.parse_args(argv)
    with workdir() as folder:
        export = generate("whatsapp-android", args.messages, Path(folder))
        reference = floor("stream", "whatsapp-android", export)
        parse = measure(PARSE, str(export))
        pipeline = measure(PIPELINE, str(export))
    extra = pipeline["seconds"] - parse["seconds"]
    growth = pipeline["peak_mib"] - parse["peak_mib"]
    print(f"core: {args.messages:,} WhatsApp Android messages")
    for label, result in (
        ("reference stream parser", reference),
        ("persona_clone.parse", parse),
        ("parse+sessionize+merge", pipeline),
    ):
        print(f"  {label:24} {result['seconds']:8.2f} s {result['peak_mib']:8.1f} MiB")
    print(f"  sessionize+merge / parse = {extra / parse['seconds']:.2f}  (target <= 0.50)")
    print(f"  peak memory growth from sessionizing = {growth:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
