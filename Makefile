# Two commands on a fresh machine: `make demo` (the main job, end to end) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# no network at run time: no telemetry, no hub downloads
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYTHONUNBUFFERED := 1

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# lint and the fixture build write their scratch warehouse here, never into data/
SCRATCH := $(CURDIR)/target/scratch

DEMO_MODELS := prajjwal1/bert-tiny,distilbert-base-uncased,t5-small,gpt2,vit-base-patch16-224,whisper-tiny

.PHONY: help install browser java demo test lint dbt-fixtures pytest bench clean

help:
	@echo "make demo   set up, measure small models on the CPU, build the warehouse"
	@echo "make test   set up, lint (ruff, sqlfluff), build dbt on fixtures, run pytest"
	@echo "make bench  speed and fidelity benchmarks (numbers go in docs/benchmarks.md)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# the CPU wheel of torch first: a bare `torch` would pull a multi-GB CUDA build
	$(BIN)/python -m pip install -q "torch==2.13.0"
	$(BIN)/python -m pip install -q -e ".[warehouse,dev,spark]"
	touch $@

install: $(STAMP) java

# Debian's chromium and chromium-driver, for the dashboard's headless browser test
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

# Debian's Java 17 runtime, for pyspark (the Spark engine's test, docs/spark.md)
java:
	@if command -v java >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; \
	else \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; \
	fi

# 20 timed iterations: p50 is stored (p90 needs 100, `benchdb run`'s default): the demo stays
# a few minutes on 2 cores instead of eleven
demo: install
	$(BIN)/benchdb run --model $(DEMO_MODELS) --hardware cpu --batch-size 1,4 \
		--sequence-length 128 --warmup 3 --min-iterations 20 --min-duration 1
	$(BIN)/benchdb build --quiet
	$(BIN)/benchdb query --sql "select model_name, batch_size, round(latency_p50_ms, 2) as p50_ms, \
		round(throughput_items_per_second, 1) as items_per_s, status from performance_results \
		order by measured_at desc, model_name, batch_size limit 12"

# lint and the fixture build are each mostly one busy process: they share the two cores, then
# pytest takes both
test: install browser
	$(MAKE) --no-print-directory --output-sync=target -j2 lint dbt-fixtures
	$(MAKE) --no-print-directory pytest

lint: install
	$(BIN)/ruff check runners benchdb tests benchmarks
	$(BIN)/ruff format --check runners benchdb tests benchmarks
	mkdir -p $(SCRATCH)
	BENCHMARK_DB_PATH=$(SCRATCH)/lint.duckdb BENCHMARK_DATA_DIR=$(SCRATCH)/lint-data \
		$(BIN)/sqlfluff lint --processes 2 models tests/data_tests analyses

# dbt build (models, seeds, data tests and unit tests) on the committed fixture landing zone;
# other builds leave the unit tests out (they check the SQL, not the data)
dbt-fixtures: install
	rm -f $(SCRATCH)/fixtures.duckdb
	$(BIN)/benchdb build --quiet --unit-tests --data-dir tests/fixtures/data --db-path $(SCRATCH)/fixtures.duckdb

# both cores, one test file per worker at a time (module fixtures built once); dbt's own work is
# mostly one busy thread, so two builds side by side take little longer than one
pytest: install
	$(BIN)/pytest -q -n 2 --dist loadfile

# speed targets, measured (numbers go in docs/benchmarks.md); each writes bench-results/*.json
bench: install
	$(BIN)/python benchmarks/bench_runner.py
	$(BIN)/python benchmarks/bench_generate.py
	$(BIN)/python benchmarks/bench_plan.py
	$(BIN)/python benchmarks/bench_migrate.py
	$(BIN)/python benchmarks/bench_dashboard.py
	$(BIN)/python benchmarks/bench_api.py
	$(BIN)/python benchmarks/bench_build.py --rows 1000000
	$(BIN)/python benchmarks/bench_regressions.py

clean:
	rm -rf target logs .pytest_cache .ruff_cache
