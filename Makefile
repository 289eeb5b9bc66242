# Quarry. `make run` and `make test` do all set-up on a fresh clone (Python 3.11+ and make).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint format screenshots clean-db

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# Start the embedded PostgreSQL only when no DATABASE_URL points elsewhere.
define with_db
	@if [ -z "$$DATABASE_URL" ]; then $(PY) -m config.embedded_pg start; fi
endef

run: $(STAMP)
	QUARRY_DEVDATA=1 $(PY) -m config.devrun

# pytest exits 5 when it collects nothing: for Quarry that is a failure, not a pass.
test: $(STAMP)
	$(with_db)
	@QUARRY_DEVDATA=1 $(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

# The README's pictures (docs/screenshots/*.png), taken by the browser tests that walk the UI.
# `make test` writes its screenshots outside the tree; this target writes them here.
# (The graph test starts its own Playwright: it runs before the browser fixture's session.)
SCREENSHOT_TESTS := tests/accounts/test_graph_browser.py \
	tests/browser/test_investigator_flow.py::test_an_investigator_works_a_case_end_to_end \
	tests/browser/test_graph_readability.py::test_hubs_stand_aside_with_a_legend \
	"tests/browser/test_accessibility.py::test_every_page_passes_axe_and_logs_nothing_to_the_console[alice]" \
	tests/browser/test_case_lifecycle.py::test_the_whole_case_lifecycle \
	tests/exports/test_report.py::test_the_sample_report_renders_to_the_readmes_pictures
screenshots: $(STAMP)
	$(with_db)
	QUARRY_DEVDATA=1 QUARRY_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(PY) -m pytest -q $(SCREENSHOT_TESTS)

# A fresh clone's database has no tables yet: migrate first (a no-op when up to date).
bench: $(STAMP)
	$(with_db)
	QUARRY_DEVDATA=1 $(PY) manage.py migrate --no-input -v 0
	QUARRY_DEVDATA=1 $(PY) -m bench.run $(BENCH_ARGS)

# The layers contract (pyproject.toml, [tool.importlinter]) is part of lint: an upward import
# or a cycle between modules fails it like a syntax error would.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
