# Pasokh — `make run` starts the service, `make test` runs every test (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench soak eval migrate locales install clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/pasokh migrate

run: $(STAMP) migrate
	$(BIN)/pasokh serve

# Browser tests drive Debian's Chromium through Playwright (never `playwright install`).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	$(SUDO) apt-get install -y --no-install-recommends chromium || \
		($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)

# One worker per core (pytest-xdist); a test file stays on one worker, with its fixtures.
# `make test TEST_WORKERS=0` runs the suite in this one process.
TEST_WORKERS ?= auto

test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# Bandit reads the service's code; each finding it would make is justified in place (# nosec).
BANDIT_DIRS := core adapters flows bots admin_panel migrations

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r $(BANDIT_DIRS)

# Ingest on Telegram, then WhatsApp batches, then aiohttp's HTTP client against httpx.
bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/whatsapp.py
	$(BIN)/python bench/http_clients.py

# Ten minutes of load with SIGKILLs and faulty sends, then an audit: nothing lost or doubled,
# on SQLite (one process), then on the soak's own PostgreSQL + Redis (two processes, with a
# PostgreSQL restart and Redis stopped 30 s); then 10,000 generated spoilings of the corpus
# per platform through the webhooks. Every part runs even when an earlier one fails.
soak: $(STAMP)
	status=0; \
	$(BIN)/python bench/soak.py || status=1; \
	$(BIN)/python bench/soak.py --backend postgres || status=1; \
	exit $$status
	PASOKH_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/integration/test_issue_17_generated_payloads.py

# How the bot routes customers' messages: the frozen test split of tests/data/faq_eval
# (aggregates only) beside the public smoke set ../shared/eval/faq, through flows.routing; then
# the smoke set once more through webhook → flow → outbox → fake Telegram, the bot's whole path.
# Exits 1 while a target is missed. `python bench/faq_eval.py --split dev --misses` for dev.
eval: $(STAMP)
	$(BIN)/python bench/faq_eval.py; routed=$$?; \
	$(BIN)/python bench/faq_eval_webhook.py; webhook=$$?; \
	test $$routed -eq 0 -a $$webhook -eq 0

# Refresh the catalogues after changing user-visible strings, then translate and compile.
locales: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k gettext_noop -k _ --no-location --omit-header -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching
	$(BIN)/pybabel compile -d locales -D messages --statistics

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
