# settlescope: the few commands people use.
#   make demo   install, then the whole phase-1 path on the small synthetic study:
#               generate, import, measure, report and Toolkit edition 1
#   make test   install, then run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench clean system-deps

install: $(STAMP)

# Java runs the local Spark session used by the scale-out tests; Debian's Chromium runs the
# browser tests of the interactive maps (Playwright drives it; it never downloads a browser).
system-deps:
	@command -v java >/dev/null 2>&1 || { \
	  echo "Installing a Java runtime for Spark (needs root and Debian's packages)"; \
	  apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null; }
	@command -v pdftoppm >/dev/null 2>&1 || { \
	  echo "Installing poppler-utils for the PDF checks (needs root and Debian's packages)"; \
	  apt-get update -qq && apt-get install -y -qq poppler-utils >/dev/null; }
	@{ ldconfig -p | grep -q libharfbuzz-subset && ldconfig -p | grep -q libpangoft2-1.0; } || { \
	  echo "Installing Pango for WeasyPrint's PDF reports (needs root and Debian's packages)"; \
	  apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	    fonts-dejavu-core >/dev/null; }
	@test -x /usr/bin/chromium || { \
	  echo "Installing Chromium for the browser tests (needs root and Debian's packages)"; \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: install system-deps
	$(BIN)/settlescope demo demo-study

test: install system-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	SPARK_LOCAL_IP=127.0.0.1 $(BIN)/python -m pytest -q -p no:cacheprovider

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

bench: install
	$(BIN)/python bench/ingest.py

# Regenerate the lock file from pyproject.toml (all extras), in a scratch environment.
lock:
	rm -rf /tmp/settlescope-lock && $(PYTHON) -m venv /tmp/settlescope-lock
	/tmp/settlescope-lock/bin/pip install --quiet ".[spark,dev]"
	/tmp/settlescope-lock/bin/pip freeze --exclude-editable | grep -v '^settlescope' > requirements.lock

clean:
	rm -rf $(VENV) demo-study demo-study.settlescope-key
