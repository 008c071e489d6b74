# Two commands for a new machine: `make run` and `make test` (see README.md).
PY    ?= python3
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
DB    := data/qpv.duckdb
DEMO  := data/raw/demo

# Everything the embedded default database is built from.
DB_INPUTS := $(shell find etl indicators data/territories -type f \
               \( -name '*.py' -o -name '*.sql' -o -name '*.csv' -o -name '*.xlsx' \) 2>/dev/null)
# Imported batches (etl/importer.py): their folders and files, pending ones excepted. The journal
# is not an input: publishing or withdrawing a batch rebuilds the database itself.
UPLOADS := data/uploads
IMPORT_INPUTS := $(shell find $(UPLOADS) \( -name .en_attente -o -name .journal \) -prune -o -print 2>/dev/null)

.PHONY: install system-deps js-deps db demo run test bench load serve-replicas clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Debian's Chromium (browser tests, chart images), poppler (PDF checks), DejaVu fonts (PDFs).
system-deps:
	@if command -v chromium >/dev/null && command -v pdftoppm >/dev/null \
	   && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "Installing chromium and poppler-utils (Debian packages)…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver poppler-utils fonts-dejavu-core >/dev/null; \
	else \
	  echo "Missing: chromium, pdftoppm or DejaVu fonts. Run as root: apt-get install chromium chromium-driver poppler-utils fonts-dejavu-core"; \
	  exit 1; \
	fi
	@# nginx: the balancer of `make serve-replicas` (tests/deploy/ are skipped without it).
	@if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "Installing nginx (Debian package)…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	else \
	  echo "nginx is missing: the replica tests will be skipped (apt-get install nginx)"; \
	fi

# The build reads the default folders and every published batch: imports are kept.
$(DB): $(STAMP) $(DB_INPUTS) $(IMPORT_INPUTS)
	$(BIN)/python -m etl demo --out $(DEMO)
	$(BIN)/python -m etl build --db $(DB)

db: $(DB)

run: $(DB)
	$(BIN)/python -m ui.serve --browser.gatherUsageStats false

# Test-only JavaScript (axe-core for the accessibility checks, package.json): installed with npm
# (Debian's nodejs and npm, installed when root and missing).
node_modules/.installed: package.json package-lock.json
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "Installing nodejs and npm (Debian packages)…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	fi
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm is missing: the axe-core accessibility checks will be skipped (apt-get install nodejs npm)"; fi

js-deps: node_modules/.installed

test: $(STAMP) system-deps js-deps
	$(BIN)/python -m pytest

bench: $(DB)
	$(BIN)/python -m bench

# 50 concurrent Streamlit sessions through the main pages of a server started on 127.0.0.1
# (bench/load.py; about 2 minutes on 2 cores). Last line: one JSON object of figures.
load: $(DB)
	$(BIN)/python -m bench.load

# REPLICAS app processes behind nginx on 127.0.0.1:PORT (deploy/replicas.py; Ctrl-C stops all).
REPLICAS ?= 2
PORT     ?= 8080
serve-replicas: $(DB)
	$(BIN)/python -m deploy.replicas --replicas $(REPLICAS) --port $(PORT)

clean:
	rm -rf $(DB) $(DEMO) tests/artifacts node_modules
