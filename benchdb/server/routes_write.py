"""POST /performance, /compatibility, /integration: store one result in the landing zone.

Token-guarded (`Authorization: Bearer <BENCHDB_API_TOKEN>`; without a token configured the server
is read-only). The body's schema is checked by FastAPI, then benchdb.store validates and lands
it exactly as the Python API does; the result is in the marts after the next `benchdb build`.
"""

from __future__ import annotations

import secrets
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from benchdb import store
from benchdb.server.answers import settings_of
from benchdb.server.errors import ApiError, field_of
from benchdb.server.schemas import (
    WRITE_RESPONSES,
    CompatibilityIn,
    IntegrationIn,
    PerformanceIn,
    Stored,
)
from benchdb.server.settings import ServerSettings
from runners.errors import ConfigurationError, LandingError

bearer = HTTPBearer(auto_error=False, description="BENCHDB_API_TOKEN")
Settings = Annotated[ServerSettings, Depends(settings_of)]


def require_token(
    settings: Settings,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    if not settings.token:
        raise ApiError(403, "this server is read-only: start it with BENCHDB_API_TOKEN set")
    given = credentials.credentials if credentials else ""
    if not secrets.compare_digest(given.encode(), settings.token.encode()):
        raise ApiError(401, "a valid bearer token is required to write")


router = APIRouter(responses=WRITE_RESPONSES, dependencies=[Depends(require_token)])


def land(settings: ServerSettings, body: BaseModel, kind: str) -> Stored:
    """Validate and land the body as one row of `kind` (422 naming the field, 503)."""
    record = body.model_dump(exclude_none=True, mode="python")
    for key, value in list(record.items()):
        if isinstance(value, Enum):
            record[key] = value.value
    try:
        new_id = store.STORE[kind](settings.data_dir / "landing", record, store.VIA_REST)
    except ConfigurationError as exc:
        raise ApiError(422, str(exc), field=field_of(str(exc))) from None
    except LandingError as exc:
        raise ApiError(503, f"cannot write the landing zone: {exc}") from None
    return Stored(id=new_id, kind=kind, landed_in=f"landing/{kind}")


@router.post(
    "/performance",
    tags=["performance"],
    status_code=201,
    summary="Store a performance result (landing zone)",
)
def post_performance(body: PerformanceIn, settings: Settings) -> Stored:
    return land(settings, body, "benchmark_results")


@router.post(
    "/compatibility",
    tags=["compatibility"],
    status_code=201,
    summary="Store a hardware compatibility result (landing zone)",
)
def post_compatibility(body: CompatibilityIn, settings: Settings) -> Stored:
    return land(settings, body, "compatibility_results")


@router.post(
    "/integration",
    tags=["integration"],
    status_code=201,
    summary="Store an integration test result with its assertions (landing zone)",
)
def post_integration(body: IntegrationIn, settings: Settings) -> Stored:
    return land(settings, body, "integration_results")
