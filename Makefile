# Motcua: `make run` starts the product with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: install translations translations-update run lint test bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(INSTALLED)

install: $(INSTALLED)

# the Vietnamese catalogue, compiled from web/translations/vi/LC_MESSAGES/messages.po
translations: install
	$(BIN)/pybabel compile -d web/translations

# after changing UI text: collect the messages and merge them into the catalogue to translate
translations-update: install
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations --no-fuzzy-matching

run: translations
	$(BIN)/motcua db upgrade
	$(BIN)/motcua demo seed
	@# the simulated post, registry, portal, bank and SMS gateway run beside the product, and stop with it
	$(BIN)/motcua simulators & sim=$$!; trap 'kill $$sim 2>/dev/null' EXIT INT TERM; $(BIN)/motcua serve

# style: ruff's lint rules and its formatter (settings in pyproject.toml); `ruff format .` fixes the layout
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint translations
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

bench: install
	$(BIN)/python bench/engine_throughput.py

clean:
	rm -rf $(VENV) instance *.egg-info test-artifacts
