"""A landing zone on S3 (moto's server on loopback): four `benchdb run` processes land at once
while a build reads, a later build sees every file, and a writer killed mid-upload leaves nothing
a reader can see. What is checked is read back from the server (boto3) and from the warehouse
(DuckDB), never taken from the code under test."""

from __future__ import annotations

import hashlib
import io
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import boto3
import duckdb
import pyarrow.parquet as pq
import pytest

from benchdb import generations, snapshot
from runners import landing
from tests import s3_server as s3
from tests.conftest import PROJECT_ROOT, invoke

BUCKET = "fleet"
URI = f"s3://{BUCKET}/landing"
BENCHDB = str(Path(sys.executable).parent / "benchdb")
RUNNERS = 4
TINY_RUN = [
    "run", "--model", "test/tiny-bert", "--hardware", "cpu", "--batch-size", "1",
    "--sequence-length", "16", "--warmup", "1", "--min-iterations", "3",
    "--min-duration", "0.01", "--threads", "1",
]  # fmt: skip


def _client(env: dict):
    return boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


@pytest.fixture(scope="module")
def server():
    with s3.running() as env:
        _client(env).create_bucket(Bucket=BUCKET)
        yield env


@pytest.fixture
def aws(server, monkeypatch):
    for key, value in server.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("BENCHMARK_LANDING_URI", raising=False)
    landing._s3_filesystem.cache_clear()
    return server


def _objects(env: dict, prefix: str = "landing/") -> dict[str, int]:
    """Every object under the prefix, as the server lists it: key -> size."""
    client = _client(env)
    found: dict[str, int] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        found.update({o["Key"]: o["Size"] for o in page.get("Contents", [])})
    return found


def _read(env: dict, key: str):
    body = _client(env).get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return pq.read_table(io.BytesIO(body))


def _build(data: Path, *more: str) -> subprocess.Popen:
    return subprocess.Popen(
        [BENCHDB, "build", "--landing", URI, "--data-dir", data, "--db-path",
         data / "w.duckdb", *more],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


@pytest.mark.slow
def test_four_runners_land_on_s3_while_a_build_reads(aws, tmp_path):
    env = {**os.environ, "BENCHMARK_DATA_DIR": str(tmp_path / "unused")}
    runners = [
        subprocess.Popen(
            [BENCHDB, *TINY_RUN, "--landing", URI],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )  # fmt: skip
        for _ in range(RUNNERS)
    ]
    # a build starts once the first files are there, while the runners still measure and land
    deadline = time.monotonic() + 120
    while not any("/hardware_events/" in key for key in _objects(aws)):
        assert time.monotonic() < deadline, "no runner landed a file within 120 s"
        time.sleep(0.2)
    data = tmp_path / "warehouse"
    during = _build(data, "--quiet")
    outputs = [r.communicate(timeout=300)[0] for r in runners]
    assert [r.returncode for r in runners] == [0] * RUNNERS, outputs
    built_during, _ = during.communicate(timeout=300)
    assert during.returncode == 0, built_during
    run_ids = {re.search(r"^run ([0-9a-f-]{36}):", o, re.M).group(1) for o in outputs}
    assert len(run_ids) == RUNNERS

    # on the server: every run's files, each a whole Parquet file, no temporary key anywhere
    objects = _objects(aws)
    for run_id in run_ids:
        for kind in ("hardware_events", "benchmark_results", "test_runs"):
            (key,) = [k for k in objects if k.startswith(f"landing/{kind}/") and run_id in k]
            assert key.endswith(f"/{run_id}.parquet")
            assert _read(aws, key).num_rows >= 1
    assert not [k for k in objects if "/." in k or k.endswith(".tmp")]

    # what the build during the runs read: whole files that are still there, byte for byte
    first = generations.Layout(data / "w.duckdb").current_info()
    assert first["landing_root"] == URI
    mirrored = snapshot.mirror_folder(data, landing.landing_zone(URI))
    for path in mirrored.rglob("*.parquet"):
        relative = str(path.relative_to(mirrored))
        assert objects[f"landing/{relative}"] == path.stat().st_size, relative
    copied_first = len(list(mirrored.rglob("*.parquet")))

    # a build now sees everything, and copies only what it did not have
    result = invoke("build", "--landing", URI, "--data-dir", data, "--db-path", data / "w.duckdb")
    landed = [k for k in objects if k.endswith(".parquet")]
    new = len(landed) - copied_first
    if new:  # the first build's snapshot was taken while runners were still landing
        assert f"copied {new} new file(s)" in result.output
        assert generations.Layout(data / "w.duckdb").current_info()["generation"] == 2
    else:  # on a slow machine every runner may have finished before it listed the prefix
        assert "nothing new" in result.output
    with duckdb.connect(str(data / "w.duckdb"), read_only=True) as con:
        per_run = dict(
            con.execute(
                "select run_id, count(*) from performance_results group by run_id"
            ).fetchall()
        )
        runs = {r for (r,) in con.execute("select run_id from test_runs").fetchall()}
    assert run_ids <= runs
    assert {per_run.get(r) for r in run_ids} == {1}  # one configuration, every run
    assert not invoke("build", "--landing", URI, "--data-dir", data, "--db-path",
                      data / "w.duckdb").output.count("copied")  # fmt: skip
    from benchdb import warehouse

    assert not warehouse.is_stale(data / "w.duckdb", data, landing.landing_zone(URI))


KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    import pyarrow as pa
    from runners import landing

    class Killing:
        '''The S3 filesystem, but the process is killed after sending 12 MiB of a file.'''
        def __init__(self, real):
            self.real = real
        def __getattr__(self, name):
            return getattr(self.real, name)
        def open_output_stream(self, path):
            real = self.real.open_output_stream(path)
            class Stream:
                def __enter__(self):
                    return self
                def __exit__(self, *exc):
                    real.close()
                def write(self, body):
                    real.write(memoryview(body)[: 12 * 2**20])
                    print("sent 12 MiB of", len(body), flush=True)
                    os.kill(os.getpid(), signal.SIGKILL)
            return Stream()

    store = landing.landing_zone(sys.argv[1])
    real = landing._s3_filesystem(store.uri)
    landing._s3_filesystem = lambda uri: Killing(real)
    rows = [
        {"event_id": f"e{i}", "run_id": "killed", "reason": os.urandom(256).hex()}
        for i in range(100_000)
    ]
    landing.write_rows(store, "hardware_events", rows, "killed-run", landing.utc_now())
    print("not killed", flush=True)
    """
)


def test_a_writer_killed_mid_upload_leaves_nothing_visible(aws, tmp_path):
    before = _objects(aws)
    store = landing.landing_zone(URI)
    listed_before = snapshot.take(store).snapshot_id
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, URI],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    sent = killed.stdout.split()
    assert sent[:4] == ["sent", "12", "MiB", "of"] and int(sent[4]) > 12 * 2**20, sent
    assert _objects(aws) == before  # no object, whole or partial, under any key
    assert snapshot.take(store).snapshot_id == listed_before
    assert landing.check_readable(store) == len(landing.landed_files(store))


def test_withdrawals_and_staleness_on_s3(aws, tmp_path):
    store = landing.landing_zone(f"s3://{BUCKET}/withdraw")
    when = landing.utc_now()
    event = {"event_id": "e1", "run_id": "r1", "hardware_type": "cpu", "is_available": True}
    url = landing.write_rows(store, "hardware_events", [event], "r1", when)
    assert url == f"{store.uri}/hardware_events/run_date={when:%Y-%m-%d}/r1.parquet"
    with pytest.raises(landing.LandingError, match="already exists"):
        landing.write_rows(store, "hardware_events", [event], "r1", when)
    taken = snapshot.take(store)
    assert [f.relative_path for f in taken.files] == [url.removeprefix(store.uri + "/")]
    result = invoke("landing", "forget", url, "--reason", "a test", "--landing", store.uri)
    assert f"withdrawn: {url}" in result.output
    assert snapshot.take(store).files == ()
    listed = invoke("landing", "list", "--landing", store.uri).output
    assert url in listed and "a test" in listed
    invoke("landing", "restore", url, "--landing", store.uri)
    assert snapshot.take(store).files == taken.files
    # a landing zone that is not there says so in one line
    bad = invoke("run", "--model", "test/tiny-bert", "--landing", "s3://no-such-bucket/x",
                 expect_exit=1)  # fmt: skip
    assert "s3://no-such-bucket/x is not writable" in bad.output
    assert "Traceback" not in bad.output
    wrong = invoke("build", "--landing", "gs://bucket/x", expect_exit=2)
    assert "only a folder or an s3:// URI" in wrong.output


def test_migrate_lands_legacy_files_on_s3(aws, tmp_path):
    """`benchdb migrate --landing s3://...`: the legacy file's bytes under legacy_files/ (named
    by their sha256) and one manifest row saying so, read back from the server; migrating it
    again sends nothing."""
    legacy = PROJECT_ROOT / "tests" / "fixtures" / "legacy" / "variants" / "run_20260101_120000"
    source = tmp_path / "old"
    source.mkdir()
    original = legacy / "direct_benchmark_google_t5-small_cpu.json"
    copy = source / original.name
    copy.write_bytes(original.read_bytes())
    sha = hashlib.sha256(original.read_bytes()).hexdigest()
    uri = f"s3://{BUCKET}/migrated"

    invoke("migrate", "--input-dir", source, "--landing", uri)

    objects = _objects(aws, "migrated/")
    copies = [key for key in objects if key.startswith("migrated/legacy_files/")]
    manifests = [key for key in objects if key.startswith("migrated/legacy_manifest/run_date=")]
    assert copies == [f"migrated/legacy_files/{sha[:2]}/{sha}.json"]
    body = _client(aws).get_object(Bucket=BUCKET, Key=copies[0])["Body"].read()
    assert body == original.read_bytes()
    assert len(manifests) == 1
    (row,) = _read(aws, manifests[0]).to_pylist()
    assert (row["original_path"], row["sha256"], row["status"]) == (str(copy), sha, "registered")
    assert row["stored_path"] == copies[0].removeprefix("migrated/")

    invoke("migrate", "--input-dir", source, "--landing", uri)
    again = _objects(aws, "migrated/")
    assert [key for key in again if key.startswith("migrated/legacy_files/")] == copies
    registered = [
        r["sha256"]
        for key in again
        if key.startswith("migrated/legacy_manifest/")
        for r in _read(aws, key).to_pylist()
        if r["status"] == "registered"
    ]
    assert registered == [sha]
