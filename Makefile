# The interface: `make run` serves the demo, `make test` runs everything CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: run test install assets messages migrate seed serve lint check worker beat bench load db-stop lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

install: $(STAMP) assets messages

static/vendor/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor/bootstrap static/vendor/htmx static/vendor/echarts static/vendor/bootstrap-icons
	cp -r node_modules/bootstrap/dist/css node_modules/bootstrap/dist/js static/vendor/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	cp node_modules/echarts/dist/echarts.min.js static/vendor/echarts/
	cp -r node_modules/bootstrap-icons/font static/vendor/bootstrap-icons/
	touch static/vendor/.stamp

assets: static/vendor/.stamp

messages: $(STAMP)
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext >/dev/null)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

migrate: install
	$(PY) manage.py migrate --no-input -v 0

seed: migrate
	$(PY) manage.py seed_demo

# The demo serves as a product does: Django's debug pages off, static files hashed and cached by
# WhiteNoise. `make run DEBUG=true` turns the debug pages on for development.
DEBUG ?= false

run: seed
	$(PY) manage.py run_job registry_snapshot
	$(PY) manage.py run_job match_refresh
	$(PY) manage.py run_job indicator_rollup
	DEBUG=$(DEBUG) $(PY) manage.py collectstatic --noinput -v 0
	@$(PY) manage.py demo_logins
	DEBUG=$(DEBUG) $(PY) manage.py runserver 127.0.0.1:8000

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run -v 1
	$(VENV)/bin/pytest -p no:cacheprovider --create-db $(PYTEST_ARGS)

worker: install
	$(VENV)/bin/celery -A ipops worker -l info --concurrency 2

beat: install
	$(VENV)/bin/celery -A ipops beat -l info

bench: install
	$(PY) -m bench.run

# Requests per second at p95 < 200 ms under the locust scenarios (gunicorn, 2 workers); LOAD_SECONDS shortens it.
load: install
	$(PY) -m bench.load

db-stop:
	@test -x $(PY) && $(PY) -m ipops.embedded_pg stop || true

# Re-lock after changing pyproject.toml dependencies.
lock:
	rm -rf /tmp/ipops-lock && $(PYTHON) -m venv /tmp/ipops-lock
	$(PYTHON) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\\n'.join(p['dependencies'] + p['optional-dependencies']['dev']))" > /tmp/ipops-lock/direct.txt
	/tmp/ipops-lock/bin/pip install --quiet --disable-pip-version-check -r /tmp/ipops-lock/direct.txt
	/tmp/ipops-lock/bin/pip freeze | sort > requirements.lock

clean: db-stop
	rm -rf $(VENV) node_modules static/vendor staticfiles
