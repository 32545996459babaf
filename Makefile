PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean browser postgres

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The supervisors' web desk beside the bot or the console, on loopback only.
run: $(STAMP)
	CADREBOT_WEB_LISTEN=$${CADREBOT_WEB_LISTEN:-127.0.0.1:8765} $(BIN)/cadrebot run

# The web desk's browser test drives Debian's Chromium through its own driver; the CJK font makes
# Chinese render in the screenshots. Installed only when missing (as root, like CI).
browser:
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk; }

# The PostgreSQL half of the suite starts its own server from Debian's package (issue #14).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

test: $(STAMP) browser postgres
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/basedpyright
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) build *.egg-info
