"""
Where the library reads the time and waits: the only module allowed to.

Every service takes a `Clock` (and, where it waits, a sleep function) as a
constructor argument, so tests inject `persona_clone.testing.FakeClock` instead of
patching globals.
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

import pendulum
from attrs import frozen


__all__ = ["Clock", "SystemClock", "system_async_sleep", "system_sleep"]


@runtime_checkable
class Clock(Protocol):
    """Something that tells the current time, timezone-aware."""

    def now(self) -> pendulum.DateTime:
        """Return the current instant."""
        ...


@frozen
class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> pendulum.DateTime:
        """Return the current instant in UTC."""
        return pendulum.now("UTC")


def system_sleep(seconds: float) -> None:
    """Block for *seconds*: the default ``sleep=`` of services that poll."""
    time.sleep(seconds)


async def system_async_sleep(seconds: float) -> None:
    """Wait for *seconds* without blocking the event loop."""
    import asyncio  # noqa: PLC0415 - only the async services need it; the CLI starts without

    await asyncio.sleep(seconds)
