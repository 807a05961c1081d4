"""
Durations as the library accepts them.

Every duration argument (``gap``, ``within``, ``quiet``, ...) takes a
`pendulum.Duration` or a `datetime.timedelta`; attrs classes convert it with
`to_duration` so they always hold a `pendulum.Duration`.
"""

from __future__ import annotations

import datetime as dt

import pendulum


__all__ = ["DurationLike", "elapsed", "optional_duration", "to_duration"]

DurationLike = dt.timedelta
"""A `datetime.timedelta` or its subclass `pendulum.Duration`."""


def to_duration(value: object) -> pendulum.Duration:
    """
    Return *value* as a `pendulum.Duration`.

    Raises:
        TypeError: *value* is not a timedelta (numbers are refused: units live in types).
    """
    if isinstance(value, pendulum.Duration):
        return value
    if isinstance(value, dt.timedelta):
        return pendulum.duration(
            days=value.days, seconds=value.seconds, microseconds=value.microseconds
        )
    msg = (
        "expected a pendulum.Duration or datetime.timedelta, "
        f"found {type(value).__name__} {value!r}"
    )
    raise TypeError(msg)


def optional_duration(value: object) -> pendulum.Duration | None:
    """Like `to_duration`, but lets ``None`` (no limit) through."""
    return None if value is None else to_duration(value)


def as_timedelta(value: dt.timedelta) -> dt.timedelta:
    """
    Return a plain `datetime.timedelta` equal to *value*.

    Hot loops compare plain timedeltas: pendulum's arithmetic is many times slower
    than the standard library's on the same values.
    """
    return dt.timedelta(days=value.days, seconds=value.seconds, microseconds=value.microseconds)


_sub = dt.datetime.__sub__


def elapsed(later: dt.datetime, earlier: dt.datetime) -> dt.timedelta:
    """
    Return the real time between two aware datetimes, fast.

    The standard library subtracts wall-clock times when both operands share one
    tzinfo object, which is wrong across a daylight-saving change (01:10 GMT
    after 01:30 BST is 40 minutes later, not 20 minutes earlier); this
    corrects for the two offsets.

    Example:
        >>> import pendulum
        >>> london = pendulum.timezone("Europe/London")
        >>> summer = pendulum.DateTime(2024, 10, 27, 1, 30, tzinfo=london)
        >>> winter = pendulum.DateTime(2024, 10, 27, 1, 10, tzinfo=london, fold=1)
        >>> str(elapsed(winter, summer))
        '0:40:00'

    """
    difference = _sub(later, earlier)
    if later.tzinfo is earlier.tzinfo:
        shift = later.utcoffset()
        before = earlier.utcoffset()
        if shift != before and shift is not None and before is not None:
            difference -= shift - before
    return difference
