# One command for every habit. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip --quiet --disable-pip-version-check
PORT   ?= 5000
export PORT

# Debian packages: fonts for PDF case summaries; 7-Zip to check encrypted
# exports the way a recipient opens them; Chromium for the browser tests
# (Playwright drives it: no browser is downloaded); nginx and iproute2 for
# the test of the portal behind a reverse proxy; PostgreSQL's server, which the
# tests start themselves (initdb + pg_ctl in a temporary folder), for the
# suite on PostgreSQL and the test of two app hosts; Node.js and npm to rebuild
# the browser's envelopes (portal/static/seal.js) and check them against Python.
RUNTIME_DEBS := fonts-dejavu-core
TEST_DEBS    := p7zip-full chromium nginx-light iproute2 postgresql nodejs npm

.DEFAULT_GOAL := help
.PHONY: help install install-dev run test lint bench format lock js clean system-packages

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# Installs with apt-get what is missing (as root, or through sudo). A package
# counts as present when an installed one provides it (NodeSource's nodejs
# provides npm, and conflicts with Debian's).
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 \
	  || dpkg-query -W -f='$${db:Status-Abbrev}|$${Provides}\n' | grep -Eq "^ii *\|(.*, )?$$p( |,|$$)" \
	  || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

system-packages: ## Install the Debian packages the portal and its tests need
	$(call apt_install,$(RUNTIME_DEBS) $(TEST_DEBS))

$(VENV)/.runtime: requirements.txt pyproject.toml
	$(call apt_install,$(RUNTIME_DEBS))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes -r requirements.txt
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(call apt_install,$(TEST_DEBS))
	$(PIP) install --require-hashes -r requirements.txt -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime ## Create .venv and install the portal from pinned, hashed requirements

install-dev: $(VENV)/.dev ## Also install the test and lint tools

run: install ## Serve on http://localhost:$PORT (default 5000), creating instance/ on first run
	@test -e instance/portal.toml || $(BIN)/portal init
	$(BIN)/portal serve --port $(PORT)

test: install-dev lint ## Lint, type-check and run every test (one process per core)
	$(BIN)/python -m pytest -n auto --dist loadfile --no-loadscope-reorder --durations=15

lint: install-dev ## ruff format check, ruff, mypy, bandit (no medium or high findings)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/bandit --quiet --recursive --severity-level medium portal crypto config.py wsgi.py

bench: install-dev ## Measure every budget in DESIGN.md; writes bench/results.json and bench/README.md
	$(BIN)/python -m bench

format: install-dev ## Reformat the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: install-dev ## Re-pin requirements*.txt with hashes from requirements*.in
	$(PIP) install pip-tools==7.6.2
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links -o requirements-dev.txt requirements-dev.in

js: ## Rebuild portal/static/seal.js and keys.js from js/seal with its pinned packages (needs node and npm)
	cd js/seal && npm ci --no-audit --no-fund && npm run build

clean: ## Remove the virtual environment and caches (never instance/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
