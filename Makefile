# The two commands of the README. Both prepare the machine themselves.
VENV ?= .venv
DEMO_SECONDS ?= 0
PYTEST_ARGS ?=
# Most tests wait on processes, brokers and browsers rather than compute, so four
# workers finish the suite in about a third of the time even on two cores. Each worker
# takes whole files, longest first (tests/conftest.py orders them), so no long file is
# left to run alone at the end.
TEST_WORKERS ?= 4
PYTEST_DIST = -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

.PHONY: demo test test-fast bench setup setup-dev clean

setup:
	@scripts/setup.sh run

setup-dev:
	@scripts/setup.sh dev

demo: setup
	$(VENV)/bin/kiosk demo --seconds $(DEMO_SECONDS)

test: setup-dev
	$(VENV)/bin/python -m pytest $(PYTEST_DIST) $(PYTEST_ARGS)

test-fast: setup-dev
	$(VENV)/bin/python -m pytest $(PYTEST_DIST) -m "not slow and not browser" $(PYTEST_ARGS)

bench: setup-dev
	$(VENV)/bin/python bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
