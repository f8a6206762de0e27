"""What to run next: wanted configurations against what the warehouse already holds.

The rule (missing or outdated, and why) lives once, in the `benchmark_plan` view that dbt builds;
missing_benchmarks, outdated_benchmarks and priority_benchmarks filter it. This module only
chooses what the view is read with, through DuckDB session variables on its own read-only
connection: the wanted set (seeds/wanted_benchmarks.csv, or, when options are given, their cross
product: models, hardware and batch sizes not given keep the seed's values; precision and
sequence length not given are the runner's defaults, fp32 and 128; `--kind generate` or a
generation's lengths want generations, at input 128 / output 32 / eager unless given), the age
threshold, whether a software change makes a result outdated, and the priority threshold. Then
it writes plan files, forward passes and generations alike.
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
    "benchmark_kind",
    "input_length",
    "output_length",
    "backend",
    "priority",
    "plan_kind",
    "reason",
    "last_status",
    "last_error",
    "attempts",
    "last_attempt_at",
    "newest_result_at",
]
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
    kind: str | None = None  # forward or generate; None: forward, unless only lengths are given
    input_lengths: Sequence[int] | None = None
    output_lengths: Sequence[int] | None = None
    backends: Sequence[str] | None = None

    def overrides(self) -> bool:
        return any(
            (
                self.models,
                self.hardware,
                self.batch_sizes,
                self.precisions,
                self.sequence_lengths,
                self.kind,
                self.input_lengths,
                self.output_lengths,
                self.backends,
            )
        )

    def wanted_kind(self) -> str:
        """The kind the options want: --kind, else generate when a generation's option is
        given, else forward."""
        if self.kind:
            return self.kind
        generation = self.input_lengths or self.output_lengths or self.backends
        return "generate" if generation else "forward"


# each dimension: the option's values, else the seed's (models, hardware, batch sizes) or the
# runner's defaults (precision fp32, sequence length 128; a generation's input 128, output 32,
# backend eager); image models and generations take no sequence length, forward passes no
# input / output length or backend but eager. An empty cross product stays an empty list (an
# empty plan), never NULL (the seed's plan).
_WANTED_FROM_OPTIONS = """
set variable plan_wanted = (
    select coalesce(
        list({
            'model_name': model_name,
            'hardware_type': hardware_type,
            'batch_size': batch_size,
            'precision': precision,
            'sequence_length': sequence_length,
            'priority': cast(null as integer),
            'benchmark_kind': $kind,
            'input_length': input_length,
            'output_length': output_length,
            'backend': backend
        }),
        []
    )
    from (
        select distinct
            m.model_name,
            h.hardware_type,
            b.batch_size,
            p.precision,
            case
                when catalog.input_kind = 'image' or $kind = 'generate' then null
                else s.sequence_length
            end as sequence_length,
            i.input_length,
            o.output_length,
            k.backend
        from (
            select unnest(coalesce(
                $models, (select list(distinct model_name) from reference.wanted_benchmarks)
            )) as model_name
        ) as m
        cross join (
            select unnest(coalesce(
                $hardware, (select list(distinct hardware_type) from reference.wanted_benchmarks)
            )) as hardware_type
        ) as h
        cross join (
            select unnest(coalesce(
                $batch_sizes, (select list(distinct batch_size) from reference.wanted_benchmarks)
            )) as batch_size
        ) as b
        cross join (select unnest(coalesce($precisions, ['fp32'])) as precision) as p
        cross join (select unnest(coalesce($sequence_lengths, [128])) as sequence_length) as s
        cross join (
            select unnest(
                if($kind = 'generate', coalesce($input_lengths, [128]), [null])
            ) as input_length
        ) as i
        cross join (
            select unnest(
                if($kind = 'generate', coalesce($output_lengths, [32]), [null])
            ) as output_length
        ) as o
        cross join (
            select unnest(
                if($kind = 'generate', coalesce($backends, ['eager']), ['eager'])
            ) as backend
        ) as k
        left join models as catalog
            on m.model_name = catalog.model_name
    )
)
"""

# forward passes and generations alike: a plan file's rows carry their kind, lengths and
# backend (runners/plan_file.py), so `benchdb run --plan` runs both
_PLAN = """
select {columns}
from {view}
where plan_kind in ({kinds})
order by
    priority, plan_kind, model_name, hardware_type, precision, batch_size, benchmark_kind,
    sequence_length, input_length, output_length, backend
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
    view = "priority_benchmarks" if request.priority_only else "benchmark_plan"
    sql = _PLAN.format(columns=", ".join(PLAN_COLUMNS), view=view, kinds=kinds)
    with connect_read_only(db_path) as con:
        con.execute(
            "set variable plan_older_than_days = cast($days as integer)",
            {"days": request.older_than_days},
        )
        con.execute(
            "set variable plan_outdated_on_version_change = cast($on as boolean)",
            {"on": request.outdated_on_version_change},
        )
        if request.priority_only:
            con.execute(
                "set variable plan_priority_threshold = cast($p as integer)",
                {"p": request.priority_threshold},
            )
        if request.overrides():
            con.execute(
                _WANTED_FROM_OPTIONS,
                {
                    "models": list(request.models) if request.models else None,
                    "hardware": list(request.hardware) if request.hardware else None,
                    "batch_sizes": list(request.batch_sizes) if request.batch_sizes else None,
                    "precisions": list(request.precisions) if request.precisions else None,
                    "sequence_lengths": (
                        list(request.sequence_lengths) if request.sequence_lengths else None
                    ),
                    "kind": request.wanted_kind(),
                    "input_lengths": _list(request.input_lengths),
                    "output_lengths": _list(request.output_lengths),
                    "backends": _list(request.backends),
                },
            )
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def _list(values: Sequence | None) -> list | None:
    return list(values) if values else None


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
