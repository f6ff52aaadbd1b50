# Two commands do everything on a fresh machine:
#   make pipeline   set up .venv (first use only) and build outputs/knowledge.duckdb from corpus/
#   make test       run the test suite
PY      := .venv/bin/python
KB      := .venv/bin/kb
CORPUS  ?= corpus
OUT     ?= outputs
STAMP   := .venv/.installed

.PHONY: pipeline pipeline-ray test eval search-eval bench bench-search profile model clean setup

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

# the same pipeline on a local Ray instance (Ray Data executor); installs the [ray] extra first
pipeline-ray: model
	$(PY) -c "import ray" 2>/dev/null || $(PY) -m pip install -q -e ".[ray]"
	HF_HUB_OFFLINE=1 $(KB) run $(CORPUS) --out $(OUT) --executor ray

test: model
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

# the samples alone and the development set (tests/fixtures/dev-corpus, scored in one store with the
# samples) side by side, and the development set per language; stores built without embeddings
eval: $(STAMP)
	$(PY) -m pipeline.evaluate report --corpus $(CORPUS) --dev-corpus tests/fixtures/dev-corpus \
	    --gold tests/fixtures/seeds.json --dev-gold tests/fixtures/dev.json --out $(OUT)/eval

# the 10 reference queries, then 36 development queries written blind to the system's output, on the
# sample store; then 74 cross-language queries over the extra and development articles (written blind
# as well) and the reference queries again, on the larger store: the samples, the 15 extra articles
# (tests/fixtures/holdout-corpus) and the 18 development articles, built (incrementally) under $(OUT)/search-eval
SEARCH_CORPUS := $(OUT)/search-eval/corpus
SEARCH_DB     := $(OUT)/search-eval/knowledge.duckdb
search-eval: model
	HF_HUB_OFFLINE=1 $(PY) tests/fixtures/search_eval.py tests/fixtures/search_queries.json --cmd $(KB)
	HF_HUB_OFFLINE=1 $(PY) tests/fixtures/search_eval.py tests/fixtures/search_queries_dev.json --cmd $(KB)
	mkdir -p $(SEARCH_CORPUS)/hold $(SEARCH_CORPUS)/dev
	cp -p $(CORPUS)/*.txt $(SEARCH_CORPUS)/
	cp -rp tests/fixtures/holdout-corpus/id tests/fixtures/holdout-corpus/pl tests/fixtures/holdout-corpus/nl $(SEARCH_CORPUS)/hold/
	cp -rp tests/fixtures/dev-corpus/id tests/fixtures/dev-corpus/pl tests/fixtures/dev-corpus/nl $(SEARCH_CORPUS)/dev/
	HF_HUB_OFFLINE=1 $(KB) run $(SEARCH_CORPUS) --out $(OUT)/search-eval --quiet
	HF_HUB_OFFLINE=1 $(PY) tests/fixtures/search_eval.py tests/fixtures/search_queries_extra.json \
	    --cmd "env KB_DB=$(SEARCH_DB) $(KB)"
	HF_HUB_OFFLINE=1 $(PY) tests/fixtures/search_eval.py tests/fixtures/search_queries.json \
	    --cmd "env KB_DB=$(SEARCH_DB) $(KB)"

# the runner at scale (issue 8's acceptance figures): table on stdout, outputs/bench.json; about an hour
bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) benchmarks/scale.py

# search: embedding throughput, cold start, vector search latency (needs outputs/knowledge.duckdb)
bench-search: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) benchmarks/run.py
	$(PY) benchmarks/report_speed.py --db $(OUT)/knowledge.duckdb --articles 10000

# where the non-embedding stages spend their time, on 200 benchmark articles (one worker, in-process)
profile: $(STAMP)
	$(PY) -c "import pyinstrument" 2>/dev/null || $(PY) -m pip install -q -e ".[bench]"
	$(KB) bench corpus --docs 200 --out /tmp/kb-profile-corpus
	rm -rf /tmp/kb-profile-out
	$(PY) -m pyinstrument -r text -o outputs/profile.txt $(KB) run /tmp/kb-profile-corpus --out /tmp/kb-profile-out --no-embed --workers 1 --quiet
	@echo "written: outputs/profile.txt"

clean:
	rm -rf $(OUT)/stages $(OUT)/knowledge.duckdb
