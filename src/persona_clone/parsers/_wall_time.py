"""Times built from the digit groups of a matched timestamp."""

from __future__ import annotations

from collections.abc import Sequence

import pendulum


__all__ = ["wall_time"]

_YEAR, _MONTH, _DAY, _HOUR, _MINUTE, _SECOND, _FRACTION = range(7)


def wall_time(
    fields: Sequence[str | None], tz: pendulum.Timezone | pendulum.FixedTimezone
) -> pendulum.DateTime | None:
    """
    Build a time in *tz* from a match's groups, or return ``None``.

    Args:
        fields: Year, month, day, hour and minute digits, then optionally the
            seconds and the digits after the decimal point (``None`` or missing:
            0; the fraction is cut to microseconds).
        tz: The zone the fields are wall time in.

    Returns:
        The time, or ``None`` when the fields name no real time (month 13,
        February 30, hour 24).
    """
    second = fields[_SECOND] if len(fields) > _SECOND else None
    fraction = fields[_FRACTION] if len(fields) > _FRACTION else None
    try:
        return pendulum.DateTime(
            int(fields[_YEAR] or 0),
            int(fields[_MONTH] or 0),
            int(fields[_DAY] or 0),
            int(fields[_HOUR] or 0),
            int(fields[_MINUTE] or 0),
            int(second or 0),
            int(((fraction or "") + "000000")[:6]),
            tzinfo=tz,
        )
    except ValueError:
        return None
