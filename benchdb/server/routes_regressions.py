"""GET /regressions: the `regressions` mart's alerts, as `benchdb regressions` lists them
(benchdb.regressions.regressions_sql, the same SQL)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Query

from benchdb import regressions
from benchdb.server.answers import Reader, records
from benchdb.server.schemas import ERROR_RESPONSES, HardwareType

router = APIRouter(responses=ERROR_RESPONSES)


@router.get(
    "/regressions",
    tags=["performance"],
    summary="Regressions, suspects and improvements per series (all series with all=true)",
)
def list_regressions(
    reader: Reader,
    since: Annotated[
        datetime | None, Query(description="Changes dated at or after this time (UTC if naive)")
    ] = None,
    model_name: Annotated[str | None, Query(max_length=200)] = None,
    hardware_type: HardwareType | None = None,
    all: bool = False,
) -> list[dict[str, Any]]:
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    hardware = hardware_type.value if hardware_type is not None else None
    sql, params = regressions.regressions_sql(since, model_name, hardware, all)
    return records(reader, sql, params, require=regressions.require_regressions)
