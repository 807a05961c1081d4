"""
The project's one cattrs converter.

Times go out as ISO 8601 with their UTC offset, followed by their IANA zone in
brackets when they have one (RFC 9557: ``2028-11-05T01:00:00-04:00[America/New_York]``),
and come back as aware `pendulum.DateTime`s in that zone (naive values are
refused): a wall time repeated when the clocks go back reads back as the same
instant in the same zone, so it compares equal. Durations go out as seconds.
Never register hooks on cattrs' global converter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import cattrs
import pendulum
from cattrs.gen import make_dict_unstructure_fn

from .errors import NaiveTimestampError
from .message import Attachment, Message, SourceRef
from .session import Session, Turn


__all__ = ["converter", "make_converter"]


_ZONELESS: Final = frozenset({"UTC", "Etc/UTC"})


def _unstructure_datetime(value: dt.datetime) -> str:
    text = value.isoformat()
    key = getattr(value.tzinfo, "key", None)
    if isinstance(key, str) and key not in _ZONELESS:
        return f"{text}[{key}]"
    return text


def _structure_datetime(value: Any, _: type) -> dt.datetime:
    zone: str | None = None
    if isinstance(value, dt.datetime):
        parsed: Any = value
    elif isinstance(value, str):
        text = value
        if text.endswith("]") and "[" in text:
            text, zone = text[:-1].split("[", 1)
        parsed = pendulum.parse(text, exact=True, tz=None)
    else:
        msg = f"expected an ISO 8601 time string, found {value!r}"
        raise TypeError(msg)
    if not isinstance(parsed, dt.datetime):
        msg = f"expected a date and time, found {value!r}"
        raise TypeError(msg)
    if parsed.tzinfo is None:
        msg = f"expected a time with a UTC offset, found naive {value!r}"
        raise NaiveTimestampError(msg)
    if zone is not None:
        try:
            return pendulum.instance(parsed).in_timezone(pendulum.timezone(zone))
        except (ValueError, LookupError) as error:  # an unknown zone name
            msg = f"expected a known IANA time zone in brackets, found {zone!r}"
            raise ValueError(msg) from error
    return pendulum.instance(parsed)


def _structure_duration(value: Any, _: type) -> pendulum.Duration:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        msg = f"expected seconds or an ISO 8601 duration, found {value!r}"
        raise TypeError(msg)
    if isinstance(value, str):
        parsed = pendulum.parse(value)
        if not isinstance(parsed, pendulum.Duration):
            msg = f"expected an ISO 8601 duration such as 'PT5M', found {value!r}"
            raise TypeError(msg)
        return parsed
    return pendulum.duration(seconds=value)


def _unstructure_duration(value: dt.timedelta) -> float | int:
    seconds = value.total_seconds()
    return int(seconds) if seconds.is_integer() else seconds


def make_converter() -> cattrs.Converter:
    """Return a new converter configured for persona_clone's types."""
    conv = cattrs.Converter(forbid_extra_keys=False)
    conv.register_structure_hook(dt.datetime, _structure_datetime)
    conv.register_structure_hook(pendulum.DateTime, _structure_datetime)
    conv.register_unstructure_hook(dt.datetime, _unstructure_datetime)
    conv.register_structure_hook(pendulum.Duration, _structure_duration)
    conv.register_structure_hook(dt.timedelta, _structure_duration)
    conv.register_unstructure_hook(pendulum.Duration, _unstructure_duration)
    conv.register_unstructure_hook(dt.timedelta, _unstructure_duration)
    for cls in (Message, SourceRef, Attachment):
        conv.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True)
        )
    conv.register_unstructure_hook(Session, make_dict_unstructure_fn(Session, conv))
    conv.register_unstructure_hook(Turn, make_dict_unstructure_fn(Turn, conv))
    return conv


converter = make_converter()
"""The converter every module of persona_clone uses."""
