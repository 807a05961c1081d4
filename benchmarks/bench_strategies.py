"""
The public Hypothesis strategies: the cost of generating one example.

Target: ``chats()`` (up to 40 messages) costs at most 4x a plain
``st.lists(st.integers(), max_size=40)`` on the same machine (it was about 20x
before the strategies drew each message's shape from one byte string); the ratio
is what the target is stated in, as absolute times drift on shared machines.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from persona_clone.testing.strategies import chats, gaps, sessions


def per_example(strategy: st.SearchStrategy[Any], examples: int) -> float:
    """Return the mean seconds Hypothesis spends to generate one example of *strategy*."""
    seen = [0]

    @settings(
        max_examples=examples,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=["generate"],
    )
    @given(strategy)
    def run(value: Any) -> None:  # noqa: ARG001 - generation is what is measured
        seen[0] += 1

    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) / max(seen[0], 1)


def main(argv: list[str] | None = None) -> int:
    """Print milliseconds per example of each strategy and the ratio to a plain list."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--examples", type=int, default=200)
    args = options.parse_args(argv)
    cases: list[tuple[str, Callable[[], st.SearchStrategy[Any]]]] = [
        ("st.lists(st.integers(), max_size=40)", lambda: st.lists(st.integers(), max_size=40)),
        ("chats()", chats),
        ("chats(max_size=15)", lambda: chats(max_size=15)),
        ("sessions()", sessions),
        ("gaps()", gaps),
    ]
    print(f"strategies: mean time per example over {args.examples} examples")
    baseline = 0.0
    for label, make in cases:
        seconds = per_example(make(), args.examples)
        baseline = baseline or seconds
        print(f"  {label:40} {seconds * 1000:8.2f} ms  {seconds / baseline:6.1f}x the plain list")
    print("  target: chats() <= 4.0x the plain list")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
