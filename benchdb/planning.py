"""What to run next: wanted configurations against what the warehouse already holds.

The wanted matrix is seeds/wanted_benchmarks.csv (in the warehouse as reference.wanted_benchmarks),
or, when options are given, their cross product: models, hardware and batch sizes not given keep
the seed's values; precision and sequence length not given are the runner's defaults (fp32, 128).
It is joined with the `benchmark_config_status` mart, which dbt builds. The planning views
(missing_benchmarks, outdated_benchmarks, priority_benchmarks) answer the same questions in SQL
for the seed matrix; this module adds the overrides and writes plan files.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchdb.warehouse import connect_read_only
from runners.errors import ConfigurationError

PLAN_COLUMNS = [
    "model_name",
    "hardware_type",
    "batch_size",
    "precision",
    "sequence_length",
    "priority",
    "plan_kind",
    "reason",
    "last_status",
    "last_error",
    "attempts",
    "last_attempt_at",
    "newest_result_at",
]
DEFAULT_PRIORITY = 3
MODES = ("missing", "outdated", "both")


@dataclass(frozen=True)
class PlanRequest:
    mode: str = "both"  # missing, outdated or both
    older_than_days: int = 30
    outdated_on_version_change: bool = False
    priority_only: bool = False
    priority_threshold: int = 1
    models: Sequence[str] | None = None
    hardware: Sequence[str] | None = None
    batch_sizes: Sequence[int] | None = None
    precisions: Sequence[str] | None = None
    sequence_lengths: Sequence[int] | None = None

    def overrides(self) -> bool:
        return any(
            (self.models, self.hardware, self.batch_sizes, self.precisions, self.sequence_lengths)
        )


_WANTED_FROM_SEED = "select * from reference.wanted_benchmarks"

# each dimension: the option's values, else the seed's (models, hardware, batch sizes) or the
# runner's defaults (precision fp32, sequence length 128); image models take no sequence length
_WANTED_FROM_OPTIONS = """
select distinct
    m.model_name,
    h.hardware_type,
    b.batch_size,
    p.precision,
    case when catalog.input_kind = 'image' then null else s.sequence_length end
        as sequence_length,
    cast(null as integer) as priority
from (select unnest(coalesce($models, (select list(distinct model_name)
                                      from reference.wanted_benchmarks))) as model_name) as m
cross join (select unnest(coalesce($hardware, (select list(distinct hardware_type)
                                     from reference.wanted_benchmarks))) as hardware_type) as h
cross join (select unnest(coalesce($batch_sizes, (select list(distinct batch_size)
                                     from reference.wanted_benchmarks))) as batch_size) as b
cross join (select unnest(coalesce($precisions, ['fp32'])) as precision) as p
cross join (select unnest(coalesce($sequence_lengths, [128])) as sequence_length) as s
left join reference.model_catalog as catalog
    on m.model_name = catalog.model_name
"""

_PLAN = """
with

wanted_raw as ({wanted}),

wanted as (
    select
        wanted_raw.model_name,
        wanted_raw.hardware_type,
        wanted_raw.batch_size,
        wanted_raw.precision,
        wanted_raw.sequence_length,
        coalesce(wanted_raw.priority, seed.priority, {default_priority}) as priority
    from wanted_raw
    left join reference.wanted_benchmarks as seed
        on wanted_raw.model_name = seed.model_name
        and wanted_raw.hardware_type = seed.hardware_type
        and wanted_raw.batch_size = seed.batch_size
        and wanted_raw.precision = seed.precision
        and coalesce(wanted_raw.sequence_length, -1) = coalesce(seed.sequence_length, -1)
),

joined as (
    select
        wanted.*,
        config_status.*  exclude (model_name, hardware_type, batch_size, precision)
    from wanted
    left join benchmark_config_status as config_status
        on wanted.model_name = config_status.model_name
        and wanted.hardware_type = config_status.hardware_type
        and wanted.precision = config_status.precision
        and wanted.batch_size = config_status.batch_size
        and coalesce(wanted.sequence_length, -1) = config_status.sequence_length_key
),

planned as (
    select
        *,
        case
            when not coalesce(is_done, false) and not coalesce(is_known_unsupported, false)
                then 'missing'
            when is_done and (
                newest_result_at < current_timestamp - to_days(cast($older_than_days as integer))
                or ($outdated_on_version_change and has_newer_software)
            ) then 'outdated'
        end as plan_kind
    from joined
)

select
    model_name,
    hardware_type,
    batch_size,
    precision,
    sequence_length,
    priority,
    plan_kind,
    case
        when plan_kind = 'missing' and attempts is null then 'never run'
        when plan_kind = 'missing' and last_status = 'unavailable' then 'hardware was unavailable'
        when plan_kind = 'missing' and last_status = 'unsupported'
            then 'unsupported with older software'
        when plan_kind = 'missing' then 'last attempt ' || last_status
        when newest_result_at < current_timestamp - to_days(cast($older_than_days as integer))
            then 'newest result older than ' || cast($older_than_days as varchar) || ' days'
        else 'measured with torch ' || newest_result_torch_minor || ' / transformers '
            || newest_result_transformers_minor
    end as reason,
    last_status,
    last_error,
    coalesce(attempts, 0) as attempts,
    last_attempt_at,
    newest_result_at
from planned
where plan_kind in ({kinds})
  and ($priority_threshold is null or priority <= $priority_threshold)
order by priority, plan_kind, model_name, hardware_type, precision, batch_size, sequence_length
"""


def build_plan(db_path: Path, request: PlanRequest) -> list[dict]:
    """The configurations to run, most urgent first, as dicts with PLAN_COLUMNS keys."""
    if request.mode not in MODES:
        raise ConfigurationError(f"unknown plan mode '{request.mode}'")
    if request.older_than_days < 0:
        raise ConfigurationError(
            f"--refresh-older-than must be >= 0, got {request.older_than_days}"
        )
    kinds = {"missing": "'missing'", "outdated": "'outdated'", "both": "'missing', 'outdated'"}[
        request.mode
    ]
    wanted = _WANTED_FROM_OPTIONS if request.overrides() else _WANTED_FROM_SEED
    sql = _PLAN.format(wanted=wanted, kinds=kinds, default_priority=DEFAULT_PRIORITY)
    params = {
        "older_than_days": request.older_than_days,
        "outdated_on_version_change": request.outdated_on_version_change,
        "priority_threshold": request.priority_threshold if request.priority_only else None,
    }
    if request.overrides():
        params.update(
            models=list(request.models) if request.models else None,
            hardware=list(request.hardware) if request.hardware else None,
            batch_sizes=list(request.batch_sizes) if request.batch_sizes else None,
            precisions=list(request.precisions) if request.precisions else None,
            sequence_lengths=list(request.sequence_lengths) if request.sequence_lengths else None,
        )
    with connect_read_only(db_path) as con:
        cursor = con.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def keep_available(plan: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """Only configurations whose hardware this host has now (live detection); and why not."""
    from runners.hardware import detect

    detections = {hw: detect(hw) for hw in sorted({row["hardware_type"] for row in plan})}
    dropped = {hw: d.reason for hw, d in detections.items() if not d.is_available}
    return [row for row in plan if detections[row["hardware_type"]].is_available], dropped


def write_plan(plan: list[dict], path: Path) -> None:
    """A CSV `benchdb run --plan` reads; the header is written even when the plan is empty."""
    if not path.parent.is_dir():
        raise ConfigurationError(f"cannot write {path}: folder {path.parent} does not exist")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=PLAN_COLUMNS)
        writer.writeheader()
        for row in plan:
            writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in PLAN_COLUMNS})
