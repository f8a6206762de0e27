"""Property-based run over the OpenAPI schema (schemathesis): whatever the input, no 5xx, and
responses match the documented status codes and schemas. Bounded: a few dozen examples per
operation, with the write token so writes are exercised too (into a throwaway landing zone)."""

from __future__ import annotations

import shutil

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

from benchdb.server import ServerSettings, create_app  # noqa: E402

TOKEN = "schemathesis-token"
MAX_EXAMPLES = 50


@pytest.fixture(scope="module")
def app(tiny_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("schemathesis")
    db = root / "benchmark.duckdb"
    shutil.copy(tiny_warehouse, db)
    return create_app(
        ServerSettings(db, root / "data", token=TOKEN, row_limit=100, time_limit_seconds=2.0)
    )


@pytest.fixture(scope="module")
def api_schema(app):
    # charts render with plotnine (about a second each): covered by test_server.py instead
    return schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path_regex=r"^/charts/")


def test_no_server_errors_and_documented_responses(api_schema):
    failures: list[str] = []
    calls: dict[str, int] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def exercise(case):
            response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
            calls[case.operation.label] = calls.get(case.operation.label, 0) + 1
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} {case.query or ''} {case.body!r} -> "
                f"{response.status_code} {response.text[:500]}"
            )
            # cross-field rules (a metric or a status; error_message with a failure status;
            # simulation_reason exactly when simulated) answer 422 naming the field: the
            # schema does not spell them out, so schema-valid bodies may be refused
            case.validate_response(response, excluded_checks=[positive_data_acceptance])

        try:
            exercise()
        except BaseException as exc:  # collect every operation's failure, then report them all
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)

    assert set(calls) == {o.label for o in operations}  # every operation was called
