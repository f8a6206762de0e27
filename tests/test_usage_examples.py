"""Every example of the old docs' "Usage Examples" section, run as written in a temporary project.

Only the import lines change (`from duckdb_api.x.y import Name` becomes
`from benchdb.compat import Name`; a block that uses `pd` without importing it gets the
import). The examples share one project and run in the order of the document, as a user following
it would.

Real measurements of the full-size models are taken, with the timing settings made small
(no warm-up, 1 timed iteration): about 25 s on two cores, so the module is marked slow.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

import benchdb.compat
from runners.hardware import detect
from runners.timing import TimingSettings
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

# the old documentation, copied from ../shared/reference
DOC = PROJECT_ROOT / "tests" / "fixtures" / "reference" / "duckdb_benchmark_api.md"
OLD_IMPORT = re.compile(r"^from duckdb_api\.[\w.]+ import (\w+)\s*$", re.MULTILINE)


def usage_examples() -> dict[str, str]:
    """{### heading: python code} for the "## Usage Examples" section, in document order."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Usage Examples", 1)[1].split("\n## ", 1)[0]
    examples = {}
    for part in section.split("\n### ")[1:]:
        heading, _, body = part.partition("\n")
        blocks = re.findall(r"```python\n(.*?)```", body, re.DOTALL)
        if blocks:
            examples[heading.strip()] = "\n".join(blocks)
    return examples


def ported(code: str) -> str:
    """Only the import lines change."""
    code = OLD_IMPORT.sub(r"from benchdb.compat import \1", code)
    if re.search(r"\bpd\.", code) and "import pandas as pd" not in code:
        code = "import pandas as pd\n" + code
    return code


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    if not DOC.exists():
        pytest.skip(f"{DOC} is not here")
    root = tmp_path_factory.mktemp("old-docs-project")
    patcher = pytest.MonkeyPatch()
    patcher.chdir(root)
    patcher.setenv("BENCHMARK_DATA_DIR", str(root / "data"))
    patcher.setenv("BENCHMARK_DB_PATH", str(root / "benchmark_db.duckdb"))
    # real measurements, only fewer of them: 1 warm-up and 1 timed iteration per configuration
    patcher.setattr(
        benchdb.compat, "DEFAULT_TIMING", TimingSettings(1, 1, min_duration_seconds=0.0)
    )
    yield root
    patcher.undo()
    _RAN.clear()


_RAN: dict[str, tuple[dict, str]] = {}


def run_example(name: str) -> tuple[dict, str]:
    """Run one example once (later tests read its namespace); returns (namespace, stdout)."""
    if name in _RAN:
        return _RAN[name]
    code = ported(usage_examples()[name])
    namespace: dict = {"__name__": "__example__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"<{name}>", "exec"), namespace)  # noqa: S102
    _RAN[name] = (namespace, out.getvalue())
    return _RAN[name]


def test_the_doc_has_the_examples_we_run():
    if not DOC.exists():
        pytest.skip(f"{DOC} is not here")
    assert list(usage_examples()) == [
        "Running Benchmarks with Database Integration",
        "Storing Results with the API",
        "Querying Benchmark Results",
        "Creating Visualizations",
        "Database Maintenance",
        "Simulation Detection",
        "Incremental Benchmarking",
    ]
    for code in usage_examples().values():
        assert "duckdb_api" not in ported(code)


def test_running_benchmarks_with_database_integration(project):
    namespace, out = run_example("Running Benchmarks with Database Integration")
    summary = namespace["summary"]
    available = [hw for hw in ("cpu", "cuda", "rocm") if detect(hw).is_available]
    # 3 models (vit-base is the catalog's vit-base-patch16-224) x 3 hardware x 3 batch sizes
    assert summary["total"] == 27
    assert summary["successful"] == 9 * len(available)
    assert summary["failed"] == 27 - 9 * len(available)
    assert "Completed 27 benchmarks" in out
    assert summary["resolved_names"] == {"vit-base": "vit-base-patch16-224"}
    for row in summary["results"]:
        if row["hardware_type"] in available:
            assert row["status"] == "completed" and row["latency_mean_ms"] > 0
        else:  # never a number for hardware that is not here
            assert row["status"] == "unavailable" and row.get("latency_mean_ms") is None
    # the single run on cuda with use_simulation, stored by hand
    result = namespace["result"]
    assert result["model_name"] == "bert-base-uncased" and result["batch_size"] == 8
    landed = list((project / "data" / "landing" / "benchmark_results").glob("*/*.parquet"))
    assert len(landed) == 2  # the run and the single result


def test_use_simulation_gives_a_flagged_estimate(project):
    namespace, _ = run_example("Running Benchmarks with Database Integration")
    result = namespace["result"]
    if detect("cuda").is_available:
        assert result["status"] == "completed" and result["is_simulated"] is False
        return
    assert result["is_simulated"] is True and result["status"] == "completed"
    assert "cuda unavailable" in result["simulation_reason"]
    assert result["simulation_method"] and result.get("iterations") is None


def test_storing_results_with_the_api(project):
    run_example("Running Benchmarks with Database Integration")
    namespace, _ = run_example("Storing Results with the API")
    result_id = namespace["result_id"]
    import pyarrow.parquet as pq

    rows = [
        r
        for f in (project / "data" / "landing" / "benchmark_results").glob("*/*.parquet")
        for r in pq.read_table(f).to_pylist()
        if r["result_id"] == result_id
    ]
    assert len(rows) == 1
    row = rows[0]
    assert (row["throughput_items_per_second"], row["latency_mean_ms"], row["memory_peak_mb"]) == (
        162.5,
        24.6,
        2100.0,
    )
    assert (row["device_name"], row["precision"], row["batch_size"]) == (
        "NVIDIA RTX 4090",
        "fp16",
        4,
    )


def test_querying_benchmark_results(project):
    run_example("Running Benchmarks with Database Integration")
    run_example("Storing Results with the API")
    namespace, _ = run_example("Querying Benchmark Results")  # builds the warehouse first
    df = namespace["df"]
    cuda = df[(df.hardware_type == "cuda") & (df.device_name == "NVIDIA RTX 4090")]
    assert list(cuda["throughput_items_per_second"]) == [162.5]
    if detect("cpu").is_available:
        cpu = df[df.hardware_type == "cpu"]
        assert sorted(cpu["batch_size"]) == [1, 4, 16]
        assert (cpu["throughput_items_per_second"] > 0).all()
    comparison = namespace["comparison"]
    assert 162.5 in set(comparison["throughput_items_per_second"])
    results = namespace["results"]
    row = results[(results.model_name == "bert-base-uncased") & (results.hardware_type == "cuda")]
    # cuda throughputs: the stored 162.5 and, on a host without CUDA, the flagged estimate of
    # run_single_benchmark(use_simulation=True); unavailable rows have none. The old query has
    # no is_simulated filter, so it averages what it finds.
    single = run_example("Running Benchmarks with Database Integration")[0]["result"]
    cuda = [162.5]
    if single["hardware_type"] == "cuda" and single.get("throughput_items_per_second"):
        cuda.append(single["throughput_items_per_second"])
    assert row["avg_throughput"].tolist() == [pytest.approx(sum(cuda) / len(cuda))]


def test_creating_visualizations(project):
    run_example("Querying Benchmark Results")
    namespace, _ = run_example("Creating Visualizations")
    for name in (
        "hardware_comparison.png",
        "model_comparison.png",
        "batch_size_comparison.png",
        "heatmap.png",
        "dashboard/index.html",
    ):
        assert (project / name).stat().st_size > 0, name


def test_database_maintenance(project):
    run_example("Querying Benchmark Results")
    namespace, _ = run_example("Database Maintenance")
    backup_path = Path(namespace["backup_path"])
    assert backup_path.name.endswith(".tar.gz") and backup_path.exists()
    stats = namespace["stats"]
    assert stats["tables"]["performance_results"] == 27 + 1 + 1
    assert namespace["maintenance"].check_integrity(run_dbt_tests=False)


def test_simulation_detection(project):
    run_example("Querying Benchmark Results")
    namespace, _ = run_example("Simulation Detection")
    report, simulated = namespace["report"], namespace["simulated_df"]
    # read after the cuda mark: every simulated result is listed, each with its reason
    assert report["simulated"] == len(simulated) >= 1
    assert report["total"] == report["simulated"] + report["measured"]
    assert simulated["simulation_reason"].notna().all()
    # the run: cpu measured, cuda (absent here) estimated and flagged
    detector = namespace["detector"]
    assert namespace["success"] is True
    rows = detector.last_run["results"]
    assert len(rows) == 4
    for row in rows:
        if row["hardware_type"] == "cpu":
            assert row["status"] == "completed" and row["is_simulated"] is False
        elif not detect("cuda").is_available:
            assert row["is_simulated"] is True and "roofline" in row["simulation_method"]


def test_incremental_benchmarking(project):
    run_example("Simulation Detection")
    namespace, out = run_example("Incremental Benchmarking")
    missing = namespace["missing_df"]
    # bert-base-uncased and t5-small x cpu, cuda x 1, 4, 16 at fp32 and 128 tokens: the cpu ones
    # were measured by the first example, so the 6 cuda configurations are missing
    assert f"Found {len(missing)} missing benchmark configurations" in out
    if not detect("cuda").is_available:
        assert sorted(set(missing["hardware_type"])) == ["cuda"]
        assert len(missing) == 6
    assert "vit-base-patch16-224" in set(namespace["priority_df"]["model_name"])
    # the runs landed rows for exactly those configurations
    runner = namespace["runner"]
    assert runner.last_run["total"] == len(namespace["combined_df"])
