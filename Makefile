# `make demo` and `make test` each set everything up on a fresh machine, then run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest system-deps docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# The example is built to fail review: the demo succeeds when golive says NO-GO (exit 1),
# first from the repository, then live against the service running on 127.0.0.1.
demo: $(STAMP)
	@$(BIN)/golive check examples/service; status=$$?; \
	echo; echo "golive exited with $$status (0 GO, 1 NO-GO, 2 usage or configuration error, 3 internal error)"; \
	test $$status -eq 1
	@echo; echo "--- live: greeter running on 127.0.0.1, reviewed over HTTPS ---"; echo
	@$(BIN)/python examples/live.py; status=$$?; \
	echo; echo "golive exited with $$status"; \
	test $$status -eq 1

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples/live.py
	$(BIN)/ruff format --check src tests benchmarks examples/live.py

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) system-deps
	$(BIN)/pytest

# The live-check tests run against real servers from Debian: nginx (TLS, headers, limits,
# load), Prometheus (SLO queries, loaded rules), sslscan (a second opinion on TLS) and wrk (a
# second opinion on load, and results to import); the HTML report is opened in Debian's
# chromium (driven by Playwright, which never downloads a browser of its own).
SYSTEM_TOOLS := /usr/sbin/nginx /usr/bin/prometheus /usr/bin/sslscan /usr/bin/wrk /usr/bin/chromium
system-deps:
	@for tool in $(SYSTEM_TOOLS); do test -x $$tool || missing=1; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx-light prometheus sslscan wrk chromium; \
		else \
			echo "make: the live-check and report tests need nginx, prometheus, sslscan, wrk and chromium: sudo apt-get install nginx-light prometheus sslscan wrk chromium" >&2; exit 1; \
		fi; \
	fi

docs: $(STAMP)
	$(BIN)/golive checks --format markdown > docs/checks.md

bench: $(STAMP) system-deps
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/infrastructure.py
	$(BIN)/python benchmarks/load.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
