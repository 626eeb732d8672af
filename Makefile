# lost-nb: the two commands of the README, and the steps they stand on.
#   make demo   the pipeline on the embedded procedural data (+ Sweet Home 3D) at PROFILE=cpu, writing figures/
#   make test   the whole test suite: export in step with nbs/, ruff on lost_nb/, bench/, tests/, nbs/; every notebook at
#               smoke in order (later notebooks read what earlier ones trained, as in the pipeline), pytest
#               (one worker a core, one thread a worker: most tests wait on a subprocess)
VENV    ?= .venv
PYTHON  ?= python3
PROFILE ?= cpu
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-$(shell cat settings.ini setup.py | cksum | cut -d' ' -f1)

.PHONY: install demo test export-check lint nbtest pytest clean-nbs gpu-check

$(STAMP): settings.ini setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first, pinned, so nothing later pulls a newer build
	$(PY) -m pip install -q torch==2.14.1 torchvision==0.29.1
	$(PY) -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

demo: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/lost-nb run --profile $(PROFILE)

test: install export-check lint nbtest pytest

export-check: install
	$(VENV)/bin/nbdev_export
	@git diff --quiet -- lost_nb && test -z "$$(git status --porcelain -- lost_nb)" || \
	  { git status --short -- lost_nb; echo "lost_nb/ is not what nbdev_export makes from nbs/: run nbdev_export and commit"; exit 1; }

lint: install
	$(VENV)/bin/ruff check lost_nb bench tests nbs

nbtest: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/nbdev_test --n_workers 0 --timing

pytest: install
	HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 $(VENV)/bin/python -m pytest -q -n auto --durations=12 tests

clean-nbs: install
	$(VENV)/bin/nbdev_clean

# the device check on a GPU (without one: --smoke on the CPU); `make gpu-check --dry-run` (make's own -n) runs the
# script's --dry-run instead of only printing the command: the memory pass and projected hours, no GPU needed
gpu-check: install
	+HF_HUB_OFFLINE=1 $(PY) bench/gpu_check.py $(if $(findstring n,$(firstword -$(MAKEFLAGS))),--dry-run) $(GPU_CHECK_ARGS)
