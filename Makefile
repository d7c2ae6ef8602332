# Two commands for a newcomer: `make run` (install + start the whole shop) and `make test` (install + run every test).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MYSQL_STAMP := $(VENV)/.installed-mysql
FRONTEND_STAMP := frontend/node_modules/.installed

.PHONY: run test test-python test-frontend test-e2e install install-frontend build-frontend soak bench bench-deps bench-web cluster cluster-soak clean

$(STAMP): requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# mysqlclient only when DATABASE_URL asks for MySQL/MariaDB (it compiles against default-libmysqlclient-dev).
$(MYSQL_STAMP): requirements-mysql.txt
	$(BIN)/pip install -q -r requirements-mysql.txt
	touch $@

install: $(STAMP)
	@if [[ "$${DATABASE_URL:-}" == mysql* ]]; then $(MAKE) --no-print-directory $(MYSQL_STAMP); fi

$(FRONTEND_STAMP): frontend/package.json $(wildcard frontend/package-lock.json)
	cd frontend && npm ci --no-audit --no-fund
	touch $@

install-frontend:
	@if [ -f frontend/package.json ]; then $(MAKE) --no-print-directory $(FRONTEND_STAMP); fi

build-frontend: install-frontend
	@if [ -f frontend/package.json ]; then cd frontend && npm run build; fi

run: install build-frontend
	$(BIN)/python manage.py runshop

test: install install-frontend
	$(MAKE) --no-print-directory test-python
	@if [ -f frontend/package.json ]; then $(MAKE) --no-print-directory test-frontend; fi
	@if [ -z "$${DATABASE_URL:-}" ] && [ -d frontend/e2e ]; then $(MAKE) --no-print-directory test-e2e; \
	 else echo "e2e: browser tests run on the embedded stack (the pass without DATABASE_URL)"; fi

test-python:
	@scripts/ensure-chromium.sh
	@scripts/ensure-nginx.sh || true  # the deploy config's `nginx -t` test; under CI=true a missing nginx fails it
	$(BIN)/pytest $(PYTEST_ARGS)

test-frontend:
	cd frontend && npm test

test-e2e: install build-frontend
	scripts/e2e.sh

# `make bench`: the production stack (gunicorn, MariaDB database luffycity_bench, Redis db 9) under wrk, every
# hot path against the floor; results in bench-results/. BENCH_ARGS="--duration 8 --only pay_link" etc.
BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): requirements-bench.txt
	$(BIN)/pip install -q -r requirements-bench.txt
	touch $@

bench-deps:
	@if ! pkg-config --exists mysqlclient 2>/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get install -y -q default-libmysqlclient-dev pkg-config >/dev/null || \
	  { apt-get update -q >/dev/null && apt-get install -y -q default-libmysqlclient-dev pkg-config >/dev/null; }; fi

bench: $(STAMP) bench-deps
	$(MAKE) --no-print-directory $(MYSQL_STAMP) $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# `make bench-web`: build the SPA, start the shop (embedded stack, var/bench-web) on 127.0.0.1:$(BENCH_WEB_PORT), and run
# Lighthouse 12.2.3 (mobile) in Debian's Chromium on the home page, a course page and checkout; sizes the JavaScript
# before the first route renders. Results: bench-results/web.{json,md}; non-zero exit on any miss.
BENCH_WEB_PORT ?= 8871
BENCH_WEB_STAMP := bench/web/node_modules/.installed

$(BENCH_WEB_STAMP): bench/web/package.json bench/web/package-lock.json
	cd bench/web && npm ci --no-audit --no-fund
	touch $@

bench-web: $(STAMP) build-frontend $(BENCH_WEB_STAMP)
	@scripts/ensure-chromium.sh
	BENCH_WEB_PORT=$(BENCH_WEB_PORT) node bench/web/run.mjs $(BENCH_WEB_ARGS)

# `make soak`: the production stack (gunicorn 3 workers + Celery worker/beat, MariaDB database luffycity_soak,
# Redis db 8, ALIPAY_SANDBOX on) under races, 4x notifies, gateway faults and a SIGKILLed worker; then
# `manage.py audit`. Figures printed last; non-zero exit on any violation. SOAK_ARGS="--students 20" etc.
soak: $(STAMP) bench-deps
	$(MAKE) --no-print-directory $(MYSQL_STAMP)
	$(BIN)/python soak/run.py $(SOAK_ARGS)

# `make cluster`: nginx on 127.0.0.1:8910 (deploy/luffycity.nginx.conf) in front of two app nodes (127.0.0.2 and
# 127.0.0.3:8000, each gunicorn + Celery worker), one redbeat beat, MariaDB luffycity_cluster, Redis db 1.
cluster: $(STAMP) bench-deps build-frontend
	$(MAKE) --no-print-directory $(MYSQL_STAMP)
	@scripts/ensure-nginx.sh
	$(BIN)/python -m harness.cluster

# `make cluster-soak`: the soak's scenario through nginx on 127.0.0.1:8816 across two nodes (127.0.0.2/.3:8817) while
# node-b is SIGKILLed and restarted and node-a's Celery worker is SIGSTOPped and SIGTERMed; MariaDB luffycity_csoak,
# Redis db 11. Non-zero exit on any violation. CLUSTER_SOAK_ARGS=--short (CI), "--students 50", etc.
cluster-soak: $(STAMP) bench-deps build-frontend
	$(MAKE) --no-print-directory $(MYSQL_STAMP)
	@scripts/ensure-nginx.sh
	$(BIN)/python -m soak.cluster $(CLUSTER_SOAK_ARGS)

clean:
	rm -rf var frontend/dist
