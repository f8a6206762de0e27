"""The shapes legacy JSON result files come in, recognised from their structure alone.

Pure functions over parsed documents: `detect_shape` names the shape (the letters of
../shared/legacy_json/SHAPES.md), its family (one dbt staging model per family) and its category
(performance, hardware, compatibility, integration); `expected_rows` counts the rows dbt should
find in it (before de-duplication); `path_time_tokens` finds the times written in a file's path.
Nothing here parses measurements: dbt does that (models/intermediate/legacy/).

A document that fits no shape is not guessed at: `detect_shape` returns None with a reason, and
migrate registers it as shape U (UNRECOGNISED), whose rows are its numbers under metric-like keys
(`metric_leaves`, the same rules as dbt's int_legacy_metric_values_parsed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

CATEGORIES = ("performance", "hardware", "compatibility", "integration")
# the hardware vocabulary: types the warehouse knows, and the legacy spellings of two of them
HARDWARE_TYPES = ("cpu", "cuda", "rocm", "mps", "openvino", "qnn", "webgpu", "webnn")
HARDWARE_ALIASES = {"apple": "mps", "qualcomm": "qnn"}


@dataclass(frozen=True)
class Shape:
    code: str  # A .. T, as in SHAPES.md
    family: str  # the intermediate model that parses it: int_legacy_<family>_parsed
    category: str  # performance | hardware | compatibility | integration
    description: str


SHAPES: dict[str, Shape] = {
    s.code: s
    for s in [
        Shape("A", "direct_runner_results", "performance", "direct runner: batch_results by batch"),
        Shape("B", "direct_runner_results", "performance", "batch wrapper of direct runner docs"),
        Shape("C", "progress_logs", "performance", "progress log of benchmark runs"),
        Shape("D", "placeholder_results", "performance", "per model x hardware batch_sizes dict"),
        Shape("E", "suite_results", "performance", "suite output: benchmarks[family][model][hw]"),
        Shape("F", "run_aggregates", "performance", "functionality + performance per family"),
        Shape("G", "suite_summaries", "performance", "suite summary with positional lists"),
        Shape("H", "compatibility_matrices", "compatibility", "hardware compatibility matrix"),
        Shape("I", "run_configs", "performance", "suite run configuration"),
        Shape("J", "web_results", "performance", "one web platform result"),
        Shape("K", "web_comparisons", "performance", "hand-written web platform comparison"),
        Shape("L", "status_checks", "integration", "skill test status strings"),
        Shape("M", "subprocess_captures", "integration", "subprocess capture, results in stdout"),
        Shape("N", "critical_model_tests", "integration", "critical model test summary"),
        Shape("O", "status_checks", "hardware", "hardware test status dicts per test"),
        Shape("P", "test_records", "integration", "top-level array of test records"),
        Shape("Q", "functionality_reports", "integration", "model functionality report"),
        Shape("R", "test_records", "hardware", "single model on hardware test record"),
        Shape("T", "browser_comparisons", "performance", "browser comparison tests"),
        Shape("V", "status_checks", "integration", "skill test wrapper: json_result per test file"),
        Shape("W", "status_checks", "integration", "skill tests' metrics per hardware"),
        Shape("X", "status_checks", "hardware", "one model's test per hardware key"),
        Shape("Y", "file_runs", "performance", "a suite's configured model list (no results)"),
        Shape("Z", "file_runs", "integration", "summary of generated test files (no results)"),
    ]
}
# A structure no parser knows: registered all the same (never quarantined with its numbers);
# dbt lists every numeric leaf under a metric-like key (legacy_metric_values).
UNRECOGNISED = Shape("U", "metric_values", "unrecognised", "a structure no parser knows")


def _is_dict(value: object) -> bool:
    return isinstance(value, dict)


def _dict_values(value: object) -> list:
    return list(value.values()) if isinstance(value, dict) else []


def _looks_like_suite(benchmarks: object) -> bool:
    """benchmarks[family][model][hardware] -> {benchmark_results, status ...}."""
    if not _is_dict(benchmarks):
        return False
    for models in _dict_values(benchmarks):
        for hardware in _dict_values(models):
            for entry in _dict_values(hardware):
                if _is_dict(entry) and ("benchmark_results" in entry or "status" in entry):
                    return True
    return not benchmarks  # an empty suite is still a suite


def _is_test_record(value: object) -> bool:
    return (
        _is_dict(value)
        and "model" in value
        and ("platform" in value or "hardware" in value)
        and "success" in value
    )


def detect_shape(doc: object) -> tuple[Shape | None, str]:
    """(shape, "") when the document's structure is recognised, else (None, why not)."""
    if isinstance(doc, list):
        if doc and all(_is_test_record(x) for x in doc):
            return SHAPES["P"], ""
        return None, "unrecognised shape: a top-level JSON array whose items are not test records"
    if not _is_dict(doc):
        return None, f"unrecognised shape: a top-level JSON {type(doc).__name__}"
    keys = set(doc)
    if "batch_results" in keys and "model" in keys:
        return SHAPES["A"], ""
    results = doc.get("results")
    if _is_dict(results) and any(
        _is_dict(r) and ("benchmark_data" in r or "summary" in r or "command" in r)
        for r in results.values()
    ):
        return SHAPES["B"], ""
    if _is_dict(doc.get("skill_tests")) and any(
        _is_dict(t) and ("json_result" in t or "test_file" in t)
        for t in doc["skill_tests"].values()
    ):
        return SHAPES["V"], ""
    if (
        _is_dict(results)
        and results
        and all(_is_dict(r) and "performance_metrics" in r for r in results.values())
    ):
        return SHAPES["W"], ""
    if keys & {"completed_benchmarks", "failed_benchmarks", "skipped_benchmarks"}:
        return SHAPES["C"], ""
    if _is_dict(doc.get("batch_sizes")) and ("model" in keys or "model_key" in keys):
        return SHAPES["D"], ""
    if "benchmarks" in keys and _looks_like_suite(doc["benchmarks"]):
        return SHAPES["E"], ""
    if keys & {"functionality_verification", "performance_benchmarks"}:
        return SHAPES["F"], ""
    families = doc.get("model_families")
    if keys & {"warmup_iterations", "benchmark_iterations"}:
        return SHAPES["I"], ""
    if _is_dict(families):
        values = _dict_values(families)
        if any(_is_dict(v) and "hardware_compatibility" in v for v in values):
            return SHAPES["H"], ""
        if any(_is_dict(v) and ("models_tested" in v or "hardware_results" in v) for v in values):
            return SHAPES["G"], ""
        if not families and "hardware_types" in keys:
            return SHAPES["H"], ""  # an empty compatibility matrix
    if "results_by_modality" in keys:
        return SHAPES["K"], ""
    if (
        "platform" in keys
        and _is_dict(doc.get("metrics"))
        and ("implementation_type" in keys or "is_simulation" in keys)
    ):
        return SHAPES["J"], ""
    if _is_dict(doc.get("metadata")) and _is_dict(results) and "test_file" in doc["metadata"]:
        return SHAPES["L"], ""
    if "test_file" in keys and "stdout" in keys:
        return SHAPES["M"], ""
    metadata = doc.get("metadata")
    if (
        _is_dict(metadata)
        and metadata.keys() & {"model_id", "model_path", "model_name"}
        and _is_dict(results)
        and results
        and all(_is_dict(r) for r in results.values())
    ):
        return SHAPES["X"], ""
    if _is_dict(doc.get("generation_stats")) or isinstance(doc.get("generation_results"), list):
        return SHAPES["Z"], ""
    if doc and all(
        _is_dict(v) and "name" in v and v.keys() & {"family", "modality"} for v in doc.values()
    ):
        return SHAPES["Y"], ""
    model_results = doc.get("model_results")
    if (
        _is_dict(model_results)
        and ("test_timestamp" in keys or "summary" in keys)
        and all(_is_dict(r) and "platform_status" in r for r in model_results.values())
    ):
        return SHAPES["N"], ""
    if _is_dict(doc.get("stats")) and isinstance(doc.get("detailed_results"), list):
        return SHAPES["Q"], ""
    if _is_test_record(doc):
        return SHAPES["R"], ""
    tests = doc.get("tests")
    if isinstance(tests, list) and tests and all(_is_dict(t) and "browser" in t for t in tests):
        return SHAPES["T"], ""
    if (
        keys
        and all(k.startswith("test_") for k in keys)
        and all(isinstance(v, (dict, str)) for v in doc.values())
    ):
        return SHAPES["O"], ""
    shown = ", ".join(sorted(keys)[:6]) + (", ..." if len(keys) > 6 else "")
    return None, f"unrecognised shape: top-level keys {shown or '(none)'}"


def _suite_configs(benchmarks: object) -> int:
    count = 0
    for models in _dict_values(benchmarks):
        for hardware in _dict_values(models):
            for entry in _dict_values(hardware):
                results = entry.get("benchmark_results") if _is_dict(entry) else None
                count += len(results) if _is_dict(results) else 0
    return count


def _status_check_tests(checks: object) -> int:
    """Status dicts (shapes L, O): one test result per platform prefix present."""
    if isinstance(checks, str):
        return 1
    if not _is_dict(checks):
        return 0
    return len({_platform_prefix(k) for k in checks})


_PLATFORM_PREFIXES = (
    "cpu",
    "cuda",
    "openvino",
    "apple",
    "qualcomm",
    "mps",
    "rocm",
    "qnn",
    "webgpu",
    "webnn",
)


def _platform_prefix(key: str) -> str:
    head = key.split("_", 1)[0]
    return head if head in _PLATFORM_PREFIXES else ""


def expected_rows(shape: Shape, doc: object) -> int:
    """Rows the family's staging model should produce from this document (before de-duplication):
    configurations for performance shapes, test results for integration shapes, compatibility
    entries for matrices. Used in the migration report and checked against dbt in the tests."""
    code = shape.code
    if code == "A":
        return len(doc.get("batch_results") or {})
    if code == "B":
        total = 0
        for entry in _dict_values(doc.get("results")):
            data = entry.get("benchmark_data") if _is_dict(entry) else None
            if _is_dict(data) and _is_dict(data.get("batch_results")):
                total += len(data["batch_results"])
            elif _is_dict(entry) and _is_dict(entry.get("summary")) and entry["summary"]:
                total += len(entry["summary"])
            elif _is_dict(entry) and _STDOUT_BATCH.search(entry.get("stdout") or ""):
                total += len(_STDOUT_BATCH.findall(entry["stdout"]))
            else:
                total += 1  # a model whose run failed as a whole: one failed row
        return total
    if code == "C":
        return sum(
            len(doc.get(k) or [])
            for k in ("completed_benchmarks", "failed_benchmarks", "skipped_benchmarks")
        )
    if code == "D":
        return len(doc.get("batch_sizes") or {})
    if code == "E":
        return _suite_configs(doc.get("benchmarks"))
    if code == "F":
        total = 0
        for family in _dict_values(doc.get("performance_benchmarks")):
            total += _suite_configs(family.get("benchmarks")) if _is_dict(family) else 0
        for block in _dict_values(doc.get("functionality_verification")):
            total += len(block.get("detailed_results") or []) if _is_dict(block) else 0
        return total
    if code == "G":
        total = 0
        for family in _dict_values(doc.get("model_families")):
            models = family.get("models_tested") or []
            total += len(models) * len(_dict_values(family.get("hardware_results")))
        return total
    if code == "H":
        total = 0
        for family in _dict_values(doc.get("model_families")):
            for entry in _dict_values(family.get("hardware_compatibility")):
                results = entry.get("benchmark_results") if _is_dict(entry) else None
                total += max(len(results or []), 1)
        return total
    if code == "I":
        return 1
    if code == "J":
        return 1
    if code == "K":
        total = 0
        for items in _dict_values(doc.get("results_by_modality")):
            for item in items if isinstance(items, list) else []:
                total += sum(1 for k, v in item.items() if k != "model" and _is_dict(v))
        return total
    if code == "L":
        results = doc.get("results") or {}
        if _is_dict(results.get("status")):
            return len(
                _check_groups(
                    results["status"],
                    results.get("examples"),
                    _get(results, "metadata", "platform_status"),
                )
            )
        return len(_check_groups(results, flat=True))
    if code == "O":
        return sum(_status_check_tests(v) for v in doc.values())
    if code == "M":
        return len(_capture_groups(doc)) if _is_dict(doc.get("json_result")) else 1
    if code == "V":
        return sum(len(_capture_groups(t)) for t in _dict_values(doc.get("skill_tests")))
    if code == "W":
        return sum(len(_skill_metric_groups(t)) for t in _dict_values(doc.get("results")))
    if code == "X":
        groups: set = set()
        for key, block in (doc.get("results") or {}).items():
            groups |= _check_groups(block, block_key=key)
        return len(groups | _check_groups({}, doc.get("examples")))
    if code in ("Y", "Z"):
        return 0  # no results: a model list, a summary of generated test files
    if code == "U":
        return len(metric_leaves(doc))
    if code == "N":
        return sum(
            max(len(r.get("platform_status") or {}), 1) for r in _dict_values(doc["model_results"])
        )
    if code == "P":
        return len(doc)
    if code == "Q":
        return len(doc.get("detailed_results") or [])
    if code == "R":
        return 1
    if code == "T":
        return len(doc.get("tests") or [])
    return 0


def hardware_type(text: object) -> str | None:
    """A legacy platform name in the hardware vocabulary (apple -> mps, qualcomm -> qnn), or
    None: a model name or anything else is never a hardware type (macro legacy_hardware_type)."""
    if not isinstance(text, str):
        return None
    name = text.strip().lower()
    name = HARDWARE_ALIASES.get(name, name)
    return name if name in HARDWARE_TYPES else None


def _get(value: object, *keys: str) -> object:
    for key in keys:
        value = value.get(key) if _is_dict(value) else None
    return value


def _check_platform(key: str, value: object, block_hardware: str | None = None) -> str | None:
    """The platform one check describes, as int_legacy_status_checks_parsed decides it: the
    `platform` of an example, else its block's hardware key, else the check key's prefix."""
    if _is_dict(value) and (found := hardware_type(value.get("platform"))):
        return found
    return block_hardware or hardware_type(_platform_prefix(key))


def _check_groups(
    checks: object,
    examples: object = None,
    platform_status: object = None,
    block_key: str | None = None,
    flat: bool = False,
) -> set:
    """The (platform) groups the checks of one test fall into: one integration test result each.
    A block keyed by something that is not a hardware type is a group of its own."""
    block_hardware = hardware_type(block_key) if block_key is not None else None
    unknown = f"?{block_key}" if block_key is not None and block_hardware is None else None
    groups: set = set()
    if isinstance(checks, str):
        return {None}
    for key, value in (checks or {}).items() if _is_dict(checks) else []:
        groups.add(unknown or _check_platform(key, value, block_hardware))
    for example in examples if isinstance(examples, list) else []:
        groups.add(unknown or _check_platform("", example, block_hardware))
    for key in platform_status or {} if _is_dict(platform_status) else []:
        groups.add(hardware_type(key))
    return groups


def _capture_groups(capture: object) -> set:
    """A subprocess capture with a json_result (shape M, and each test of a wrapper V): the
    whole test, plus the platforms its json_result's checks and examples name."""
    result = capture.get("json_result") if _is_dict(capture) else None
    if not _is_dict(result):
        return {None}
    platform_status = _get(result, "metadata", "platform_status")
    if _is_dict(result.get("status")):
        groups = _check_groups(result["status"], result.get("examples"), platform_status)
    else:
        checks = {k: v for k, v in result.items() if k not in ("examples", "metadata")}
        groups = _check_groups(checks, result.get("examples"), platform_status)
    return groups | {None}


def _skill_metric_groups(test: object) -> set:
    """One skill test of shape W: the test as a whole, plus one group per block of
    performance_metrics (keyed by hardware)."""
    groups: set = {None}
    metrics = test.get("performance_metrics") if _is_dict(test) else None
    for key, block in (metrics or {}).items() if _is_dict(metrics) else []:
        if _is_dict(block):
            checks = {k: v for k, v in block.items() if k != "examples"}
            groups |= _check_groups(checks, block.get("examples"), block_key=key)
    return groups


# ---------------------------------------------------------------- numbers under metric keys
# The same rules as int_legacy_metric_values_parsed (SQL): a number (or a string that is one)
# whose nearest key names a measurement: a time, latency, throughput, rate per second or memory.
METRIC_KEY = re.compile(
    r"(latenc|throughput|per_sec|tokens_per|items_per|samples_per|fps|memory|^mem_|_mem$"
    r"|_mb$|_gb$|_kb$|mib|gib|bytes|elapsed|duration|runtime|time|_ms$|_us$|_ns$|seconds"
    r"|_sec$|_secs$|realtime|real_time|rtf|speedup|bandwidth|flops)"
)
NOT_METRIC_KEY = re.compile(r"(timestamp|timeout|_at$|timezone|time_zone)")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# a string that spells a number: listed (dbt's int_legacy_metric_values_parsed), never read as one
NUMERIC_TEXT = re.compile(
    r"\s*[-+]?([0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|nan|inf|infinity)\s*", re.IGNORECASE
)


def is_metric_key(key: str) -> bool:
    name = key.lower()
    return bool(METRIC_KEY.search(name)) and not NOT_METRIC_KEY.search(name)


def metric_leaves(doc: object) -> list[tuple[str, str, float | None]]:
    """(JSON path, key, value) of every value under a metric-like key that is or spells a number,
    in document order: JSON numbers, and strings that spell one with value None (never read as
    numbers: dbt lists them as rejected values). Booleans are not listed."""
    found: list[tuple[str, str, float | None]] = []

    def walk(value: object, path: str, key: str | None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                name = k if _PLAIN_KEY.fullmatch(k) else '"' + k.replace('"', '\\"') + '"'
                walk(v, f"{path}.{name}", k)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]", key)
        elif key is not None and is_metric_key(key):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                found.append((path, key, float(value)))
            elif isinstance(value, str) and NUMERIC_TEXT.fullmatch(value):
                found.append((path, key, None))

    walk(doc, "$", None)
    return found


_STDOUT_BATCH = re.compile(r"Batch (\d+): ")
_COMPACT_TIME = re.compile(r"(?<!\d)(20\d{6}_\d{6})(?!\d)")
_EPOCH_TIME = re.compile(r"(?<!\d)(1[5-9]\d{8})(?:\.\d+)?(?!\d)")


def path_time_tokens(path: str) -> list[str]:
    """Times written in a file's path, outermost first: compact `YYYYmmdd_HHMMSS` stamps in folder
    and file names, and 10-digit epoch seconds (2017-2033) in names. dbt turns them into UTC."""
    tokens: list[str] = []
    for part in PurePath(path).parts:
        found = _COMPACT_TIME.findall(part)
        tokens.extend(found)
        if not found:
            tokens.extend(_EPOCH_TIME.findall(part))
    return tokens
