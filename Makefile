# Two commands do everything on a fresh machine:
#   make pipeline   set up .venv (first use only) and build outputs/knowledge.duckdb from corpus/
#   make test       run the test suite
PY      := .venv/bin/python
KB      := .venv/bin/kb
CORPUS  ?= corpus
OUT     ?= outputs
STAMP   := .venv/.installed

.PHONY: pipeline test eval search-eval bench model clean setup

setup: $(STAMP)

# torch first, pinned: here 2.13.0 resolves to a local CPU wheel; unpinned it pulls a multi-GB GPU build.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

model: $(STAMP)
	HF_HUB_OFFLINE=1 $(KB) model install

pipeline: model
	HF_HUB_OFFLINE=1 $(KB) run $(CORPUS) --out $(OUT)
	$(KB) report --db $(OUT)/knowledge.duckdb --out $(OUT)/report.html

test: model
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

eval: $(STAMP)
	$(PY) -m pipeline.evaluate $(OUT)/knowledge.duckdb tests/fixtures/seeds.json --corpus $(CORPUS)

# the 10 reference queries, then 36 development queries written blind to the system's output
search-eval: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) tests/fixtures/search_eval.py tests/fixtures/search_queries.json --cmd $(KB)
	HF_HUB_OFFLINE=1 $(PY) tests/fixtures/search_eval.py tests/fixtures/search_queries_dev.json --cmd $(KB)

bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) benchmarks/run.py
	$(PY) benchmarks/report_speed.py --db $(OUT)/knowledge.duckdb --articles 10000

clean:
	rm -rf $(OUT)/stages $(OUT)/knowledge.duckdb
