# The two commands of the README. Both prepare the machine themselves.
VENV ?= .venv
DEMO_SECONDS ?= 0
PYTEST_ARGS ?=
# Most tests wait on processes, brokers and browsers rather than compute, so four
# workers finish the suite in about a third of the time even on two cores.
TEST_WORKERS ?= 4

.PHONY: demo test test-fast bench setup setup-dev clean

setup:
	@scripts/setup.sh run

setup-dev:
	@scripts/setup.sh dev

demo: setup
	$(VENV)/bin/kiosk demo --seconds $(DEMO_SECONDS)

test: setup-dev
	$(VENV)/bin/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-fast: setup-dev
	$(VENV)/bin/python -m pytest -n $(TEST_WORKERS) -m "not slow and not browser" $(PYTEST_ARGS)

bench: setup-dev
	$(VENV)/bin/python bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
