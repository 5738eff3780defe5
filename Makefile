# newsmon — `make crawl` runs a one-off crawl, `make test` runs the suite.
# Both bootstrap .venv/ from requirements.lock on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= data/newsmon.db
STAMP  := $(VENV)/.installed

.PHONY: crawl test lint bench-quality bench-crawl schedule status clean lock scrapyd-node

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

crawl: $(STAMP)
	$(BIN)/newsmon crawl --db $(DB)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check crawler pipelines schedules tests benchmarks
	$(BIN)/ruff format --check crawler pipelines schedules tests benchmarks

bench-quality: $(STAMP)
	$(BIN)/python benchmarks/quality.py

bench-crawl: $(STAMP)
	$(BIN)/python benchmarks/crawl.py

schedule: $(STAMP)
	$(BIN)/newsmon schedule --db $(DB)

status: $(STAMP)
	$(BIN)/newsmon status --db $(DB)

# Serve this checkout as a Scrapyd node (docs/scaling.md, "Setting up nodes"):
# make scrapyd-node NODE_BIND=0.0.0.0
NODE_DIR  ?= data/node
NODE_BIND ?= 127.0.0.1
NODE_PORT ?= 6800
scrapyd-node: $(STAMP)
	$(BIN)/newsmon scrapyd-node --dir $(NODE_DIR) --bind $(NODE_BIND) --port $(NODE_PORT)

# Regenerate the lock after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
