"""The landing zone: immutable Parquet files the runner writes and dbt reads.

One file per run and kind, Hive-partitioned by UTC date:

    <BENCHMARK_DATA_DIR>/landing/<kind>/run_date=YYYY-MM-DD/<run_id>.parquet
    s3://bucket/prefix/<kind>/run_date=YYYY-MM-DD/<run_id>.parquet    (an ObjectStore root)

In a folder a file is written under a hidden temporary name beside its final one, flushed, then
renamed, so a reader never sees a partial file. On S3 (pyarrow's S3FileSystem: no boto3 on a
runner host) there is no atomic rename: the whole Parquet file is encoded in memory first and
sent in one upload to its final key, and S3 shows an object only once its upload has completed,
so a writer killed mid-upload leaves nothing under a visible key. Run ids are random UUIDs, so
hosts writing to one prefix never collide. Nothing rewrites a landed file.

docs/landing_zone.md is the contract; the schemas below and
models/staging/landing/_landing__sources.yml must agree with it (tests/test_landing.py checks
that they do).
"""

from __future__ import annotations

import fnmatch
import functools
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import pyarrow as pa
import pyarrow.parquet as pq

from runners.errors import LandingError

SCHEMA_VERSION = 1
UTC_TS = pa.timestamp("us", tz="UTC")
# fixed namespace so result ids derived from (run id, configuration) are the same everywhere
RESULT_ID_NAMESPACE = uuid.UUID("6f1c3c56-8f7e-4a53-9d55-4f0b3a3e9b21")

BENCHMARK_RESULTS = pa.schema(
    [
        ("schema_version", pa.int16()),
        ("result_id", pa.string()),
        ("run_id", pa.string()),
        ("measured_at", UTC_TS),
        ("model_name", pa.string()),
        ("model_family", pa.string()),
        ("modality", pa.string()),
        ("weights_source", pa.string()),
        ("parameter_count", pa.int64()),
        ("hardware_type", pa.string()),  # what was asked for
        ("device", pa.string()),  # the torch device that ran it (cpu, cuda:0 ...)
        ("device_name", pa.string()),
        ("device_memory_gb", pa.float64()),
        ("device_compute_units", pa.int32()),
        ("batch_size", pa.int32()),
        ("sequence_length", pa.int32()),
        ("image_size", pa.int32()),
        ("audio_seconds", pa.float64()),
        ("precision", pa.string()),
        ("status", pa.string()),
        ("error_type", pa.string()),
        ("error_message", pa.string()),
        ("warmup_iterations", pa.int32()),
        ("iterations", pa.int32()),
        ("min_iterations", pa.int32()),
        ("min_duration_seconds", pa.float64()),
        ("latencies_ms", pa.list_(pa.float64())),
        ("latency_mean_ms", pa.float64()),
        ("latency_p50_ms", pa.float64()),
        ("latency_p90_ms", pa.float64()),
        ("latency_p95_ms", pa.float64()),
        ("latency_p99_ms", pa.float64()),
        ("latency_min_ms", pa.float64()),
        ("latency_max_ms", pa.float64()),
        ("latency_stdev_ms", pa.float64()),
        ("latency_cv", pa.float64()),  # stdev / mean
        ("percentiles_note", pa.string()),  # why a percentile is NULL (too few samples)
        ("throughput_items_per_second", pa.float64()),
        ("throughput_tokens_per_second", pa.float64()),
        ("memory_peak_mb", pa.float64()),
        ("memory_reserved_mb", pa.float64()),
        ("memory_method", pa.string()),
        ("memory_peak_rss_mb", pa.float64()),  # the worker's absolute peak resident set
        ("memory_baseline_rss_mb", pa.float64()),
        ("memory_loaded_mb", pa.float64()),
        ("memory_inference_growth_mb", pa.float64()),
        ("model_build_seconds", pa.float64()),
        ("warmup_seconds", pa.float64()),
        ("timed_seconds", pa.float64()),
        ("total_seconds", pa.float64()),
        ("isolation", pa.string()),  # forked_worker, in_process
        ("load_avg_1m_before", pa.float64()),
        ("load_avg_1m_after", pa.float64()),
        ("process_cpu_seconds", pa.float64()),
        ("other_cpu_seconds", pa.float64()),
        ("quality", pa.string()),  # ok, noisy
        ("quality_reason", pa.string()),
        ("is_simulated", pa.bool_()),
        ("simulation_reason", pa.string()),
        ("simulation_method", pa.string()),
        ("input_shapes", pa.string()),  # JSON: {"input_ids": [4, 128], ...}
        ("host", pa.string()),
        ("os", pa.string()),
        ("python_version", pa.string()),
        ("torch_version", pa.string()),
        ("transformers_version", pa.string()),
        ("cuda_version", pa.string()),
        ("rocm_version", pa.string()),
        ("driver_version", pa.string()),
        ("cpu_model", pa.string()),
        ("num_threads", pa.int32()),
        ("num_interop_threads", pa.int32()),
        ("host_cpu_count", pa.int32()),
        ("host_physical_cores", pa.int32()),
        ("float32_matmul_precision", pa.string()),
        ("cuda_matmul_allow_tf32", pa.bool_()),
        ("cudnn_allow_tf32", pa.bool_()),
        ("onednn_enabled", pa.bool_()),
        ("benchdb_version", pa.string()),
    ]
)


def _columns(schema: pa.Schema, first: str, last: str) -> list[pa.Field]:
    """The fields of `schema` from `first` to `last`, inclusive: columns another kind shares."""
    names = schema.names
    return [schema.field(i) for i in range(names.index(first), names.index(last) + 1)]


# `benchdb run --kind generate`: one row per generation configuration (runners/generation.py),
# measured or estimated (benchdb.simulation.estimate_generation_row). Landed beside
# benchmark_results; dbt reads it into performance_results (docs/landing_zone.md).
GENERATION_RESULTS = pa.schema(
    [
        ("schema_version", pa.int16()),
        ("result_id", pa.string()),
        ("run_id", pa.string()),
        ("measured_at", UTC_TS),
        ("benchmark_kind", pa.string()),  # generate
        *_columns(BENCHMARK_RESULTS, "model_name", "parameter_count"),
        ("model_class", pa.string()),  # the class with the language-model head that ran
        *_columns(BENCHMARK_RESULTS, "hardware_type", "batch_size"),
        ("input_length", pa.int32()),  # prompt tokens per item
        ("output_length", pa.int32()),  # new tokens per item asked for
        ("generated_tokens", pa.int32()),  # new tokens per item the last generation made
        ("precision", pa.string()),
        ("backend", pa.string()),  # eager, compile
        *_columns(BENCHMARK_RESULTS, "status", "min_duration_seconds"),
        ("ttft_ms", pa.list_(pa.float64())),  # one per timed generation: its prefill
        ("tpot_ms", pa.list_(pa.float64())),  # every decode step, generation by generation
        ("e2e_latencies_ms", pa.list_(pa.float64())),  # one per timed generation
        ("ttft_mean_ms", pa.float64()),
        ("ttft_p50_ms", pa.float64()),
        ("ttft_p90_ms", pa.float64()),
        ("tpot_mean_ms", pa.float64()),
        ("tpot_p50_ms", pa.float64()),
        ("tpot_p90_ms", pa.float64()),
        ("e2e_latency_mean_ms", pa.float64()),
        ("e2e_latency_p50_ms", pa.float64()),
        ("e2e_latency_p90_ms", pa.float64()),
        ("e2e_latency_cv", pa.float64()),
        ("percentiles_note", pa.string()),
        ("decode_tokens_per_second", pa.float64()),
        ("total_tokens_per_second", pa.float64()),
        *_columns(BENCHMARK_RESULTS, "memory_peak_mb", "model_build_seconds"),
        ("compile_seconds", pa.float64()),  # backend compile: the first generation, compiling
        *_columns(BENCHMARK_RESULTS, "warmup_seconds", "quality_reason"),
        *_columns(BENCHMARK_RESULTS, "is_simulated", "simulation_method"),
        *_columns(BENCHMARK_RESULTS, "input_shapes", "benchdb_version"),
    ]
)

TEST_RUNS = pa.schema(
    [
        ("schema_version", pa.int16()),
        ("run_id", pa.string()),
        ("test_name", pa.string()),
        ("test_type", pa.string()),
        ("started_at", UTC_TS),
        ("completed_at", UTC_TS),
        ("execution_time_seconds", pa.float64()),
        ("success", pa.bool_()),
        ("configurations_total", pa.int32()),
        ("configurations_completed", pa.int32()),
        ("configurations_failed", pa.int32()),
        ("configurations_simulated", pa.int32()),
        ("configurations_noisy", pa.int32()),
        ("host", pa.string()),
        ("git_commit", pa.string()),
        ("git_branch", pa.string()),
        ("git_is_dirty", pa.bool_()),
        ("git_commit_note", pa.string()),
        ("benchdb_version", pa.string()),
        ("command_line", pa.string()),
        ("metadata", pa.string()),  # JSON: the run's options
    ]
)

HARDWARE_EVENTS = pa.schema(
    [
        ("schema_version", pa.int16()),
        ("event_id", pa.string()),
        ("run_id", pa.string()),
        ("hardware_type", pa.string()),
        ("is_available", pa.bool_()),
        ("reason", pa.string()),
        ("device_name", pa.string()),
        ("device_count", pa.int32()),
        ("host", pa.string()),
        ("detected_at", UTC_TS),
        ("event_source", pa.string()),  # runner_detection, manual_mark ...
    ]
)

# compatibility and integration results stored through the API (BenchmarkDBAPI, POST)
COMPATIBILITY_RESULTS = pa.schema(
    [
        ("schema_version", pa.int16()),
        ("compatibility_id", pa.string()),
        ("run_id", pa.string()),
        ("tested_at", UTC_TS),
        ("model_name", pa.string()),
        ("model_family", pa.string()),
        ("modality", pa.string()),
        ("hardware_type", pa.string()),
        ("device_name", pa.string()),
        ("is_compatible", pa.bool_()),
        ("detection_success", pa.bool_()),
        ("initialization_success", pa.bool_()),
        ("error_message", pa.string()),
        ("error_type", pa.string()),
        ("suggested_fix", pa.string()),
        ("workaround_available", pa.bool_()),
        ("compatibility_score", pa.float64()),  # 0-1
        ("metadata", pa.string()),  # JSON
        ("is_simulated", pa.bool_()),
        ("simulation_reason", pa.string()),
        ("host", pa.string()),
    ]
)

ASSERTION = pa.struct(
    [
        ("assertion_id", pa.string()),
        ("assertion_name", pa.string()),
        ("passed", pa.bool_()),
        ("expected_value", pa.string()),
        ("actual_value", pa.string()),
        ("message", pa.string()),
    ]
)

INTEGRATION_RESULTS = pa.schema(
    [
        ("schema_version", pa.int16()),
        ("test_result_id", pa.string()),
        ("run_id", pa.string()),
        ("executed_at", UTC_TS),
        ("test_module", pa.string()),
        ("test_class", pa.string()),
        ("test_name", pa.string()),
        ("status", pa.string()),  # pass, fail, error, skip
        ("execution_time_seconds", pa.float64()),
        ("model_name", pa.string()),
        ("hardware_type", pa.string()),
        ("device_name", pa.string()),
        ("error_message", pa.string()),
        ("error_traceback", pa.string()),
        ("metadata", pa.string()),  # JSON
        ("host", pa.string()),
        ("assertions", pa.list_(ASSERTION)),
    ]
)

# one result marked simulated by hand (SimulationDetection.mark_result_as_simulated)
RESULT_MARKS = pa.schema(
    [
        ("schema_version", pa.int16()),
        ("mark_id", pa.string()),
        ("result_id", pa.string()),
        ("is_simulated", pa.bool_()),
        ("reason", pa.string()),
        ("marked_at", UTC_TS),
        ("host", pa.string()),
    ]
)

SCHEMAS: dict[str, pa.Schema] = {
    "benchmark_results": BENCHMARK_RESULTS,
    "test_runs": TEST_RUNS,
    "hardware_events": HARDWARE_EVENTS,
    "compatibility_results": COMPATIBILITY_RESULTS,
    "integration_results": INTEGRATION_RESULTS,
    "result_marks": RESULT_MARKS,
    "generation_results": GENERATION_RESULTS,
}

# kinds the runner lands that the warehouse does not read yet: written and listed like the others,
# but outside SCHEMAS (dbt's sources, builds' snapshots and tests/test_landing.py follow SCHEMAS).
# None today: generation_results, the last one, is read since issue 12.
NOT_YET_READ: dict[str, pa.Schema] = {}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def warm_up() -> None:
    """Build one tiny table and throw it away: pyarrow's first array imports what it needs
    (pandas, where installed: most of a second), so a run can pay that while it waits for its
    zygote to import torch instead of when it lands its first file."""
    pa.Table.from_pylist([{"x": 0.0}])


def new_run_id() -> str:
    """Random 128-bit id: unique across hosts without coordination."""
    return str(uuid.uuid4())


def derived_id(run_id: str, *parts: object) -> str:
    """A result or event id: the same run and configuration always give the same id."""
    key = "|".join([run_id, *("" if p is None else str(p) for p in parts)])
    return str(uuid.uuid5(RESULT_ID_NAMESPACE, key))


# ---------------------------------------------------------------- where the files go


@dataclass(frozen=True)
class ObjectStore:
    """A landing zone under an S3 prefix (`s3://bucket/prefix`): the same layout as a folder.

    The endpoint, region and credentials come from the standard AWS environment variables
    (AWS_ENDPOINT_URL, AWS_REGION or AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    AWS_SESSION_TOKEN, AWS_PROFILE), read by pyarrow's S3FileSystem."""

    uri: str  # s3://bucket/prefix, no trailing slash

    @property
    def base(self) -> str:
        """bucket/prefix: the root as pyarrow's filesystem names it."""
        return self.uri.removeprefix("s3://")

    @property
    def filesystem(self):
        return _s3_filesystem(self.uri)

    def key(self, relative: str) -> str:
        return f"{self.base}/{relative}"

    def url(self, relative: str) -> str:
        return f"{self.uri}/{relative}"

    def __str__(self) -> str:
        return self.uri


# a landing zone: a local folder, or a prefix on S3
LandingRoot = Path | ObjectStore


def landing_zone(value: str | Path) -> LandingRoot:
    """`s3://bucket/prefix` -> ObjectStore; anything else is a folder path."""
    text = str(value)
    if text.startswith("s3://"):
        bucket = text.removeprefix("s3://").split("/", 1)[0]
        if not bucket or "?" in text:
            raise LandingError(
                f"landing zone {text}: expected s3://bucket/prefix (the endpoint and "
                "credentials come from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID ...)"
            )
        return ObjectStore(text.rstrip("/"))
    if "://" in text:
        raise LandingError(f"landing zone {text}: only a folder or an s3:// URI is supported")
    return Path(text).expanduser().absolute()


@functools.lru_cache(maxsize=8)
def _s3_filesystem(uri: str):
    from pyarrow import fs

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    options: dict = {"region": region} if region else {}
    if endpoint:
        scheme, _, host = endpoint.rpartition("://")
        options.update(endpoint_override=host or endpoint, scheme=scheme or "https")
    try:
        return fs.S3FileSystem(**options)
    except (OSError, pa.ArrowException) as exc:
        raise LandingError(f"landing zone {uri}: cannot open S3: {exc}") from None


def ensure_writable(landing_root: LandingRoot) -> None:
    """Fail before any work is done when the landing zone cannot take files."""
    if isinstance(landing_root, ObjectStore):
        probe = landing_root.key(f".write-probe-{uuid.uuid4().hex}")
        try:
            with landing_root.filesystem.open_output_stream(probe) as stream:
                stream.write(b"")
            landing_root.filesystem.delete_file(probe)
        except (OSError, pa.ArrowException) as exc:
            raise LandingError(
                f"landing zone {landing_root} is not writable: {_first_line(exc)}"
            ) from None
        return
    try:
        landing_root.mkdir(parents=True, exist_ok=True)
        probe = landing_root / f".write-probe-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise LandingError(
            f"landing directory {landing_root} is not writable: {exc.strerror}"
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def relative_path(kind: str, run_id: str, when: datetime) -> str:
    """Where a run's file of one kind goes, under the landing root."""
    return f"{kind}/run_date={when.astimezone(timezone.utc):%Y-%m-%d}/{run_id}.parquet"


def file_path(landing_root: Path, kind: str, run_id: str, when: datetime) -> Path:
    return landing_root / relative_path(kind, run_id, when)


def temporary_path(target: Path) -> Path:
    """A hidden name in the target's folder: never matched by a reader's `*.parquet` / `*.json`."""
    return target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")


def publish(tmp: Path, target: Path) -> bool:
    """Make a fully written temporary file visible under its final name: fsync, then an atomic
    rename in the same folder. A landed file is never rewritten: when `target` exists, `tmp` is
    dropped and False is returned (content-addressed files are then already there)."""
    try:
        if target.exists():
            tmp.unlink(missing_ok=True)
            return False
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise LandingError(f"cannot write {target}: {exc.strerror}") from None
    return True


def write_rows(
    landing_root: LandingRoot,
    kind: str,
    rows: Sequence[dict],
    run_id: str,
    when: datetime,
    schema: pa.Schema | None = None,
) -> Path | str | None:
    """Write rows as one immutable Parquet file; returns its path, or its s3:// URL on an
    ObjectStore (None when there are no rows).

    `schema` defaults to the kind's landing schema (SCHEMAS); the warehouse side passes its own
    for the kinds it lands (the legacy manifest)."""
    if not rows:
        return None
    schema = schema or SCHEMAS.get(kind) or NOT_YET_READ[kind]
    unknown = set().union(*(r.keys() for r in rows)) - set(schema.names)
    if unknown:
        raise LandingError(
            f"{kind}: fields not in the landing schema: {', '.join(sorted(unknown))}"
        )
    full_rows = [{"schema_version": SCHEMA_VERSION, **row} for row in rows]
    try:
        table = pa.Table.from_pylist(full_rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise LandingError(f"{kind}: a row does not fit the landing schema: {exc}") from None
    if isinstance(landing_root, ObjectStore):
        return put_table(landing_root, relative_path(kind, run_id, when), table)
    target = file_path(landing_root, kind, run_id, when)
    if target.exists():
        raise LandingError(f"{target} already exists: landed files are never rewritten")
    tmp = temporary_path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, tmp, compression="zstd")
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise LandingError(f"cannot write {target}: {exc.strerror}") from None
    if not publish(tmp, target):
        raise LandingError(f"{target} already exists: landed files are never rewritten")
    return target


def put_table(store: ObjectStore, relative: str, table: pa.Table) -> str:
    """One Parquet file on S3, visible only once complete: encoded whole in memory, then sent
    in one upload to its final key (S3 shows an object only when its upload completes)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return put_bytes(store, relative, sink.getvalue())


def put_bytes(store: ObjectStore, relative: str, body) -> str:
    """Upload finished bytes to `relative` under the store, never over an existing object."""
    from pyarrow import fs

    key = store.key(relative)
    url = store.url(relative)
    try:
        if store.filesystem.get_file_info(key).type != fs.FileType.NotFound:
            raise LandingError(f"{url} already exists: landed files are never rewritten")
        with store.filesystem.open_output_stream(key) as stream:
            stream.write(body)  # one write of the finished bytes: nothing is sent half-encoded
    except (OSError, pa.ArrowException) as exc:
        raise LandingError(f"cannot write {url}: {_first_line(exc)}") from None
    return url


def listing(store: ObjectStore, pattern: str) -> list:
    """The objects under the store whose relative path matches `pattern` (`*` within one path
    segment; hidden names never match), as pyarrow FileInfo sorted by path."""
    from pyarrow import fs

    top = pattern.split("/", 1)[0]
    depth = pattern.count("/")
    selector = fs.FileSelector(store.key(top), recursive=True, allow_not_found=True)
    try:
        infos = store.filesystem.get_file_info(selector)
    except (OSError, pa.ArrowException) as exc:
        raise LandingError(f"cannot list {store.url(top)}: {_first_line(exc)}") from None
    found = []
    for info in infos:
        relative = info.path[len(store.base) + 1 :]
        if (
            info.type == fs.FileType.File
            and relative.count("/") == depth
            and not PurePosixPath(relative).name.startswith(".")
            and fnmatch.fnmatchcase(relative, pattern)
        ):
            found.append(info)
    return sorted(found, key=lambda info: info.path)


def relative_of(store: ObjectStore, info) -> str:
    """A listed object's path under the store's root."""
    return info.path[len(store.base) + 1 :]


def landed_files(landing_root: LandingRoot, kind: str | None = None) -> list:
    """Every landed Parquet file (temporary files are hidden and never match): paths, or s3://
    URLs on an ObjectStore."""
    kinds = [kind] if kind else list(SCHEMAS)
    files: list = []
    for k in kinds:
        if isinstance(landing_root, ObjectStore):
            pattern = f"{k}/run_date=*/*.parquet"
            files.extend(
                landing_root.url(relative_of(landing_root, info))
                for info in listing(landing_root, pattern)
            )
        else:
            files.extend(sorted((landing_root / k).glob("run_date=*/*.parquet")))
    return files


def check_readable(landing_root: LandingRoot) -> int:
    """Read every landed file's footer; a corrupt one raises naming the file. Returns the count."""
    files = landed_files(landing_root)
    for path in files:
        try:
            if isinstance(landing_root, ObjectStore):
                key = str(path).removeprefix("s3://")
                with landing_root.filesystem.open_input_file(key) as handle:
                    pq.read_metadata(handle)
            else:
                pq.read_metadata(path)
        except (OSError, pa.ArrowException) as exc:
            raise LandingError(
                f"corrupt Parquet file in the landing zone: {path} ({exc})"
            ) from None
    return len(files)
