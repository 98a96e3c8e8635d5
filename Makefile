# Assistants Studio: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
export STUDIO_ALLOW_DEV_SECRET ?= 1

.PHONY: install run test lint typecheck browser-deps migrations-check clean

$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies

run: install ## Migrate, load the demo and serve on http://127.0.0.1:$(PORT) (web + task worker, see Procfile)
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py load_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	@echo "Processes from the Procfile: web (gunicorn) and worker (runs \"Try it\"); Ctrl+C stops both."
	DEBUG=1 STUDIO_OFFLINE_TOKEN_DELAY=$${STUDIO_OFFLINE_TOKEN_DELAY:-0.03} PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start --port $(PORT)

browser-deps: ## Debian's Chromium for the browser tests (installed when missing and we are root)
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "WARNING: could not install chromium; browser tests will be skipped"; \
	  else echo "NOTE: /usr/bin/chromium is missing; browser tests will be skipped (apt-get install chromium)"; fi; \
	fi

test: install browser-deps ## Run the whole test suite (DATABASE_URL picks the database; SQLite by default)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

typecheck: install ## mypy with the django-stubs and DRF plugins on the application code
	$(VENV)/bin/mypy studio assistants graphs

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) data staticfiles test-results
