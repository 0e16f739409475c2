# The two commands: `make run` serves the demo board, `make test` runs the whole suite.
# Each bootstraps .venv itself, so a fresh clone with Python 3.11+ needs nothing else.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app board
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint translations bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the dependencies change (setup.cfg is newer than the stamp).
$(VENV)/.installed-prod: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[prod]'
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,prod]'
	touch $@ $(VENV)/.installed-prod

instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print('# Created by make run; see README.md for every setting.\nSECRET_KEY = %r' % secrets.token_hex(32))" > $@

run: $(VENV)/.installed-prod instance/config.py
	$(FLASK) db upgrade
	$(FLASK) sync-town
	test -f instance/.demo-loaded || ($(FLASK) demo-data && touch instance/.demo-loaded)
	# Links in the demo's mails (/_mail) point at this server, whatever PORT it runs on; the
	# scheduled jobs (reminders, the moderators' summary, expiry) run inside it.
	BOARD_BASE_URL=$${BOARD_BASE_URL:-http://$(HOST):$(PORT)} BOARD_SCHEDULER_IN_PROCESS=$${BOARD_SCHEDULER_IN_PROCESS:-1} \
		$(FLASK) run --debug --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check board tests bench
	$(BIN)/ruff format --check board tests bench

# After changing UI text: extract it, merge it into the catalogs, translate, then compile.
translations: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F board/babel.cfg -k _l -o board/translations/messages.pot .
	$(BIN)/pybabel update -i board/translations/messages.pot -d board/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d board/translations

bench: $(VENV)/.installed-test
	bash bench/run

clean:
	rm -rf $(VENV) .pytest_cache
