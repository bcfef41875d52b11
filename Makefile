# Pantau: the two commands a new user needs are `make run` and `make test`.
# Everything downloaded (pip wheels, Kafka jars, the Elasticsearch zip) is cached under
# PANTAU_CACHE_DIR (default ~/.cache/pantau) and fetched once.

PYTHON ?= python3
VENV ?= .venv
PANTAU_CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/pantau
export PANTAU_CACHE_DIR
export PIP_CACHE_DIR := $(PANTAU_CACHE_DIR)/pip
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run demo test test-unit lint typecheck stack-up stack-down stack-status bench bench-full bench-quick eval train-relevance clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit("Pantau needs Python 3.11 or later, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## The main job: crawl the configured sites once into the embedded store and report.
run: install
	$(BIN)/pantau run

## Offline variant: serve the bundled fixture sites locally and run the whole path.
demo: install
	$(BIN)/pantau demo

## The whole suite: unit tests plus integration tests on a real Kafka and Elasticsearch,
## which the suite fetches and starts itself (and stops afterwards).
test: install
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: treating that as a failure"; exit 1; fi; \
	exit $$rc

test-unit: install
	$(BIN)/python -m pytest tests/unit

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

stack-up: install
	$(BIN)/pantau stack up
stack-down: install
	$(BIN)/pantau stack down
stack-status: install
	$(BIN)/pantau stack status

## The benchmarks, each beside its limit in the same run (BENCHMARKS.md). The stream,
## latency, alert and search benchmarks run on a local stack of their own (ports
## 46092/46093/46200, data in .stack-bench), started here and stopped afterwards.
## `make bench` fits in ten minutes: the stream over 10,000 articles and search over 20,000.
## `make bench-full` uses the sizes the figures in BENCHMARKS.md were taken at (the stream
## over 50,000 articles, search over 100,000; about twenty minutes). `make bench-quick` is a smoke run.
BENCH_STACK := PANTAU_STACK_DIR=.stack-bench PANTAU_STACK_KAFKA_PORT=46092 \
	PANTAU_STACK_KAFKA_CONTROLLER_PORT=46093 PANTAU_STACK_ELASTICSEARCH_PORT=46200
BENCH_ENGINES := --kafka 127.0.0.1:46092 --elasticsearch http://127.0.0.1:46200

bench: install
	$(BIN)/python -m benchmarks.enrich_bench
	$(BIN)/python -m benchmarks.dedup_bench
	$(BIN)/python -m benchmarks.crawl_bench
	$(BENCH_STACK) $(BIN)/pantau stack up
	@rc=0; $(BIN)/python -m benchmarks.stream_bench --articles 10000 --warm-up 1000 $(BENCH_ENGINES) || rc=$$?; \
	$(BIN)/python -m benchmarks.latency_bench --seconds 15 $(BENCH_ENGINES) || rc=$$?; \
	$(BIN)/python -m benchmarks.alert_latency_bench --seconds 10 $(BENCH_ENGINES) || rc=$$?; \
	$(BIN)/python -m benchmarks.search_bench --articles 20000 $(BENCH_ENGINES) || rc=$$?; \
	$(BENCH_STACK) $(BIN)/pantau stack down; exit $$rc

bench-full: install
	$(BIN)/python -m benchmarks.enrich_bench
	$(BIN)/python -m benchmarks.dedup_bench
	$(BIN)/python -m benchmarks.crawl_bench
	$(BENCH_STACK) $(BIN)/pantau stack up
	@rc=0; $(BIN)/python -m benchmarks.stream_bench $(BENCH_ENGINES) || rc=$$?; \
	$(BIN)/python -m benchmarks.latency_bench $(BENCH_ENGINES) || rc=$$?; \
	$(BIN)/python -m benchmarks.alert_latency_bench $(BENCH_ENGINES) || rc=$$?; \
	$(BIN)/python -m benchmarks.search_bench $(BENCH_ENGINES) || rc=$$?; \
	$(BENCH_STACK) $(BIN)/pantau stack down; exit $$rc

bench-quick: install
	$(BIN)/python -m benchmarks.enrich_bench --quick
	$(BIN)/python -m benchmarks.dedup_bench --quick
	$(BIN)/python -m benchmarks.crawl_bench --quick
	$(BENCH_STACK) $(BIN)/pantau stack up
	@rc=0; $(BIN)/python -m benchmarks.stream_bench --quick $(BENCH_ENGINES) || rc=$$?; \
	$(BIN)/python -m benchmarks.latency_bench --quick $(BENCH_ENGINES) || rc=$$?; \
	$(BIN)/python -m benchmarks.alert_latency_bench --quick $(BENCH_ENGINES) || rc=$$?; \
	$(BIN)/python -m benchmarks.search_bench --quick $(BENCH_ENGINES) || rc=$$?; \
	$(BENCH_STACK) $(BIN)/pantau stack down; exit $$rc

eval: install
	$(BIN)/pantau eval

## Retrain the learned relevance layer on the development sets (writes relevance_model.json
## and prints the cross-validated estimates; about two minutes).
train-relevance: install
	$(BIN)/python -m pantau.enrich.relevance.train

clean:
	rm -rf $(VENV) .pantau .stack .stack-test .stack-bench .stack-fault .pytest_cache .mypy_cache .ruff_cache
