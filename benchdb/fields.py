"""Field checks for results written through the Python API and the REST API.

Pure functions: each takes a field's name and value and returns the clean value, or raises
ConfigurationError naming the field and the value at fault. None means "not given" and stays None
(a missing metric is NULL, never 0).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timezone
from typing import Any

from runners.errors import ConfigurationError


def merge(record: Mapping[str, Any] | None, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """store_x({...}) and store_x(a=1, ...) both work; a dict plus keywords merges them."""
    if record is not None and not isinstance(record, Mapping):
        raise ConfigurationError(
            f"expected one dict or keyword arguments, got {type(record).__name__}"
        )
    merged = dict(record or {})
    merged.update(kwargs)
    return merged


def number(
    name: str, value: Any, minimum: float | None = None, strict_min: bool = False
) -> float | None:
    """A finite number (bools refused), at least (or above, `strict_min`) `minimum`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationError(f"field '{name}' must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ConfigurationError(f"field '{name}' must be a finite number, got {value!r}")
    if minimum is not None and (value <= minimum if strict_min else value < minimum):
        relation = ">" if strict_min else ">="
        raise ConfigurationError(f"field '{name}' must be {relation} {minimum:g}, got {value:g}")
    return value


def integer(name: str, value: Any, minimum: int | None = None) -> int | None:
    """An integer (4.0 is 4; "4", 2.5 and bools are refused), at least `minimum`."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(f"field '{name}' must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigurationError(f"field '{name}' must be >= {minimum}, got {value}")
    return value


def text(
    name: str, value: Any, required: bool = False, choices: Sequence[str] | None = None
) -> str | None:
    """Stripped text (blank is not given), one of `choices` when given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigurationError(f"field '{name}' is required")
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"field '{name}' must be text, got {value!r}")
    value = value.strip()
    if choices is not None and value not in choices:
        raise ConfigurationError(
            f"field '{name}' must be one of {', '.join(choices)}, got {value!r}"
        )
    return value


def boolean(name: str, value: Any, required: bool = False) -> bool | None:
    if value is None:
        if required:
            raise ConfigurationError(f"field '{name}' is required")
        return None
    if not isinstance(value, bool):
        raise ConfigurationError(f"field '{name}' must be true or false, got {value!r}")
    return value


def timestamp(name: str, value: Any) -> datetime | None:
    """A UTC timestamp; not given stays None (never the time of storing: that is not when it
    happened), naive times are UTC (the landing contract)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigurationError(
                f"field '{name}' must be an ISO 8601 timestamp, got {value!r}"
            ) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise ConfigurationError(f"field '{name}' must be a timestamp, got {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def json_text(name: str, value: Any) -> str | None:
    """JSON text: a string must parse, anything else is serialised (NaN refused)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            json.loads(value)
        except json.JSONDecodeError:
            raise ConfigurationError(f"field '{name}' must be JSON, got {value[:60]!r}") from None
        return value
    try:
        return json.dumps(value, default=str, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"field '{name}' cannot be stored as JSON: {exc}") from None


def stringify(value: Any) -> str | None:
    """An assertion's expected/actual value as text (non-strings as JSON)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def check_unknown(record: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    unknown = sorted(set(record) - set(allowed))
    if unknown:
        raise ConfigurationError(
            f"{what}: unknown field(s) {', '.join(repr(u) for u in unknown)}; "
            f"accepted: {', '.join(sorted(allowed))}"
        )
