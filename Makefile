# Guild: `make run` and `make test` do all set-up on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Two workers: CI and the machines we target have two cores; browser and live-server tests are xdist-safe.
PYTEST_ARGS ?= -n 2
export DJANGO_SETTINGS_MODULE ?= learning.settings.dev

.PHONY: run test install install-dev browser ralph xapi-validator chartjs lint check migrate seed bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	SITE_URL=http://$(HOST):$(PORT) $(BIN)/python manage.py seed_demo

run: seed
	@echo "Serving Guild on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	SITE_URL=http://$(HOST):$(PORT) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Debian's chromium for the browser tests (Playwright's own browser download cannot work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests…"; \
	    (apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)); \
	  else \
	    echo "The browser tests need Chromium: install Debian's 'chromium' package (sudo apt-get install chromium)." >&2; exit 1; \
	  fi; }

# Ralph, a real LRS, in its own venv: the forwarding tests start it on 127.0.0.1.
ralph: $(VENV)-ralph/.installed
$(VENV)-ralph/.installed: requirements-ralph.txt
	$(PYTHON) -m venv $(VENV)-ralph
	$(VENV)-ralph/bin/python -m pip install --quiet --upgrade pip
	$(VENV)-ralph/bin/pip install --quiet -r requirements-ralph.txt
	touch $@

# Learning Locker's xAPI validator (npm, versions pinned by package-lock.json): an independent check
# that every statement Guild produces is valid (tests/insights/test_statements_valid.py).
XAPI_VALIDATOR := tests/insights/xapi_validator
xapi-validator: $(XAPI_VALIDATOR)/node_modules/.package-lock.json
$(XAPI_VALIDATOR)/node_modules/.package-lock.json: $(XAPI_VALIDATOR)/package.json $(XAPI_VALIDATOR)/package-lock.json
	cd $(XAPI_VALIDATOR) && npm ci --no-audit --no-fund --loglevel=error

# Chart.js for the insights dashboards (npm, pinned by tools/chartjs/package-lock.json), copied into
# static/vendor/ and served by whitenoise. The copy is committed, so `make run` works without npm.
CHARTJS := tools/chartjs
chartjs: $(CHARTJS)/node_modules/.package-lock.json
	cp $(CHARTJS)/node_modules/chart.js/dist/chart.umd.js static/vendor/chartjs/chart.umd.js
	cp $(CHARTJS)/node_modules/chart.js/LICENSE.md static/vendor/chartjs/LICENSE.md
$(CHARTJS)/node_modules/.package-lock.json: $(CHARTJS)/package.json $(CHARTJS)/package-lock.json
	cd $(CHARTJS) && npm ci --no-audit --no-fund --loglevel=error

test: install-dev browser ralph xapi-validator chartjs
	cd tests/insights/lrs_js && npm ci --no-audit --no-fund --silent
	DJANGO_SETTINGS_MODULE=learning.settings.test $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=learning.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

check: install-dev
	SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))') ALLOWED_HOSTS=guild.example.com \
	  DJANGO_SETTINGS_MODULE=learning.settings.production $(BIN)/python manage.py check --deploy --fail-level WARNING

bench: install-dev ralph
	@for script in bench/*.py; do echo "== $$script"; DJANGO_SETTINGS_MODULE=learning.settings.test $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(VENV)-ralph staticfiles test-artifacts $(XAPI_VALIDATOR)/node_modules $(CHARTJS)/node_modules
