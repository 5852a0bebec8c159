# Motcua: `make run` starts the product with demo data; `make test` runs every test; `make production` runs
# it as an office does, on PostgreSQL and Redis.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2

# Exact versions with hashes, generated from pyproject.toml by `make lock`: what the product needs
# (make run, make install) and that plus the test tools (make lint, make test).
RUN_LOCK := requirements/run.txt
TEST_LOCK := requirements/test.txt
# the product plus Locust, for `make bench-load` only (CI installs the test lock, never this one)
BENCH_LOCK := requirements/bench.txt
# one stamp per lock, so switching between `make run` and `make test` works and a changed lock re-installs
RUN_INSTALLED := $(VENV)/.installed-run
TEST_INSTALLED := $(VENV)/.installed-test
BENCH_INSTALLED := $(VENV)/.installed-bench
# the installer in the venv and the lock tool, pinned like everything else
PIP_VERSION := 26.3
UV_VERSION := 0.13.8
# Python 3.11 on Linux x86_64, as on the developers' machines and CI; `make lock UPGRADE=1` takes the newest
# releases pyproject.toml allows, otherwise versions already locked stay unless pyproject.toml rules them out
LOCK_OPTIONS = --quiet --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --generate-hashes \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

.PHONY: install lock translations translations-update run production lint test bench bench-load clean vendor

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==$(PIP_VERSION)

$(RUN_INSTALLED): $(RUN_LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(RUN_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# after the run lock (never two installs at once, even under make -j); the test lock holds the same versions
$(TEST_INSTALLED): $(TEST_LOCK) $(RUN_INSTALLED)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(TEST_LOCK)
	touch $@

# after the run lock; the bench lock holds the run lock's versions, plus Locust and what it needs
$(BENCH_INSTALLED): $(BENCH_LOCK) $(RUN_INSTALLED)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(BENCH_LOCK)
	touch $@

install: $(RUN_INSTALLED)

# regenerate the locks with uv, from a throw-away venv: the test lock first, then the run and bench locks held
# to the same versions, so the product runs what the tests ran
lock:
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(PYTHON) -m venv "$$tmp" && "$$tmp/bin/python" -m pip install --quiet uv==$(UV_VERSION) && \
	"$$tmp/bin/uv" pip compile $(LOCK_OPTIONS) --extra test -o $(TEST_LOCK) pyproject.toml && \
	"$$tmp/bin/uv" pip compile $(LOCK_OPTIONS) --constraint $(TEST_LOCK) -o $(RUN_LOCK) pyproject.toml && \
	"$$tmp/bin/uv" pip compile $(LOCK_OPTIONS) --constraint $(TEST_LOCK) --extra bench -o $(BENCH_LOCK) pyproject.toml

# the Vietnamese catalogue, compiled from web/translations/vi/LC_MESSAGES/messages.po
translations: install
	$(BIN)/pybabel compile -d web/translations

# after changing UI text: collect the messages and merge them into the catalogue to translate
translations-update: install
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations --no-fuzzy-matching --ignore-obsolete

# The studio's bpmn-js (Modeler) and dmn-js, rebuilt from the npm registry at the exact versions of
# package.json / package-lock.json into web/static/vendor/<name>-<version>/ (committed with their LICENSE);
# Chart.js (the managers' dashboard) as its one UMD file.
# Only to upgrade them: `make run` needs neither npm nor a CDN, the built files are in the repository.
VENDOR := web/static/vendor
vendor:
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	cp package.json package-lock.json "$$tmp/" && (cd "$$tmp" && npm ci --no-audit --no-fund --ignore-scripts) && \
	for name in bpmn-js dmn-js; do \
	  mod="$$tmp/node_modules/$$name"; version=$$(node -p "require('$$mod/package.json').version"); \
	  out="$(VENDOR)/$$name-$$version"; rm -rf "$$out"; mkdir -p "$$out"; \
	  cp "$$mod"/dist/*-modeler.production.min.js "$$mod/LICENSE" "$$out/"; cp -r "$$mod/dist/assets/." "$$out/"; \
	  rm -f "$$out"/*/css/*-embedded.css; \
	done && \
	mod="$$tmp/node_modules/chart.js"; version=$$(node -p "require('$$mod/package.json').version"); \
	out="$(VENDOR)/chart.js-$$version"; rm -rf "$$out"; mkdir -p "$$out"; \
	cp "$$mod/dist/chart.umd.min.js" "$$mod/LICENSE.md" "$$out/"

run: translations
	$(BIN)/motcua db upgrade
	$(BIN)/motcua demo seed
	@# the simulated post, registry, portal, bank and SMS gateway run beside the product, and stop with it
	$(BIN)/motcua simulators & sim=$$!; trap 'kill $$sim 2>/dev/null' EXIT INT TERM; $(BIN)/motcua serve

# production mode on PostgreSQL and Redis, settings from the environment (README, "Production"): the schema
# migrated and the catalogue deployed, then gunicorn, Celery workers and an elected scheduler until SIGTERM
production: translations
	$(BIN)/motcua db upgrade
	exec $(BIN)/motcua production

# style: ruff's lint rules and its formatter (settings in pyproject.toml); `ruff format .` fixes the layout
lint: $(TEST_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint translations
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

# the benchmarks of the speed goals, one table of figures beside goals (bench/README.md): about 15 minutes,
# more the first time (it loads a million dossiers into a PostgreSQL database it keeps for the next run)
bench: install
	$(BIN)/python bench/report.py

# a morning's load with Locust on a scratch PostgreSQL database (bench/README.md); ARGS="--users 20 --minutes 1"
bench-load: $(BENCH_INSTALLED)
	$(BIN)/python bench/load/run.py $(ARGS)

clean:
	rm -rf $(VENV) instance *.egg-info test-artifacts
