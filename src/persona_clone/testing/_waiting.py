"""Waiting, from a test's thread, until a fake's state satisfies a condition."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


__all__ = ["wait_until"]


def wait_until(changed: threading.Condition, holds: Callable[[], bool], timeout: float) -> bool:
    """
    Wait until *holds* is true, re-checking whenever *changed* is notified.

    Returns whether it became true within *timeout* seconds. *changed* is the
    condition the fake notifies after each change of its state.
    """
    deadline = time.monotonic() + timeout
    with changed:
        while not holds():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            changed.wait(min(left, 0.2))
    return True
