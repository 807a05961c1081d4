"""
The project's one cattrs converter.

Times go out as ISO 8601 with their UTC offset and come back as aware
`pendulum.DateTime`s (naive values are refused); durations go out as seconds.
Never register hooks on cattrs' global converter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import cattrs
import pendulum
from cattrs.gen import make_dict_unstructure_fn

from .errors import NaiveTimestampError
from .message import Attachment, Message, SourceRef
from .session import Session, Turn


__all__ = ["converter", "make_converter"]


def _structure_datetime(value: Any, _: type) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed: Any = value
    elif isinstance(value, str):
        parsed = pendulum.parse(value, exact=True)
    else:
        msg = f"expected an ISO 8601 time string, found {value!r}"
        raise TypeError(msg)
    if not isinstance(parsed, dt.datetime):
        msg = f"expected a date and time, found {value!r}"
        raise TypeError(msg)
    if parsed.tzinfo is None:
        msg = f"expected a time with a UTC offset, found naive {value!r}"
        raise NaiveTimestampError(msg)
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
    conv.register_unstructure_hook(dt.datetime, lambda value: value.isoformat())
    conv.register_structure_hook(pendulum.Duration, _structure_duration)
    conv.register_structure_hook(dt.timedelta, _structure_duration)
    conv.register_unstructure_hook(pendulum.Duration, _unstructure_duration)
    conv.register_unstructure_hook(dt.timedelta, _unstructure_duration)
    for cls in (Message, SourceRef, Attachment):
        conv.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True)
        )
    conv.register_unstructure_hook(
        Session, make_dict_unstructure_fn(Session, conv)
    )
    conv.register_unstructure_hook(Turn, make_dict_unstructure_fn(Turn, conv))
    return conv


converter = make_converter()
"""The converter every module of persona_clone uses."""
