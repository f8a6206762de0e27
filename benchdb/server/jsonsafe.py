"""JSON the server answers with: NaN and infinity are null, never an error."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi.responses import JSONResponse


def plain(value: Any) -> Any:
    """A JSON-safe value: non-finite floats -> None, times -> ISO 8601, decimals -> float."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime, date, dtime)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return plain(float(value))
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return str(value)


class SafeJSONResponse(JSONResponse):
    """JSONResponse that turns NaN and infinity into null instead of failing."""

    def render(self, content: Any) -> bytes:
        return json.dumps(
            plain(content), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode("utf-8")


def rows_as_records(cursor, rows: Sequence[tuple]) -> list[dict[str, Any]]:
    """Rows -> list of dicts, JSON columns parsed, everything JSON-safe."""
    description = cursor.description or []
    names = [d[0] for d in description]
    json_columns = {i for i, d in enumerate(description) if str(d[1]) == "JSON"}
    records = []
    for row in rows:
        record = {}
        for i, (name, value) in enumerate(zip(names, row)):
            if i in json_columns and isinstance(value, str):
                with suppress(json.JSONDecodeError):
                    value = json.loads(value)
            record[name] = plain(value)
        records.append(record)
    return records
