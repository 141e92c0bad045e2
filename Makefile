# simlab developer entry points. `make demo` and `make test` are the two commands a newcomer needs;
# both build what they use (the virtualenv, Debian's tshark) on first run and reuse it afterwards.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# The stages of `make test` report in a fixed order; parallel make would interleave them.
.NOTPARALLEL:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# pip reinstalls when pyproject.toml is newer than this stamp, so new dependencies arrive by
# themselves after a pull.
STAMP := $(VENV)/.installed
LINT_PATHS := simlab tests benchmarks
RUFF_CHECK := $(BIN)/ruff check $(LINT_PATHS)
RUFF_FORMAT_CHECK := $(BIN)/ruff format --check $(LINT_PATHS)
LINT_IMPORTS := $(BIN)/lint-imports
SPHINX_ARGS := -W --keep-going -b html docs docs/_build/html

.PHONY: help install apt-deps test lint fmt docs demo lab clean distclean

help:
	@echo "make demo       install, then run simlab demo (a VRRP and a CARP failover)"
	@echo "make test       install, then ruff, import contracts, pytest (all, slow too), docs"
	@echo "make lab        install, then open the notebooks in JupyterLab (LAB_ARGS=--no-browser ...)"
	@echo "make lint       ruff check + ruff format --check + import contracts"
	@echo "make fmt        ruff format, then ruff check --fix"
	@echo "make docs       build the HTML docs into docs/_build/html (warnings are errors)"
	@echo "make apt-deps   install Debian packages the tests use (tshark, keepalived, ucarp, ...), if root"
	@echo "make install    create .venv and install simlab with its dev and docs extras"
	@echo "make clean      remove build output and caches; distclean also removes .venv"

install: $(STAMP)

$(STAMP): pyproject.toml
	@# Debian's python3 ships venv without ensurepip until python3-venv is installed.
	@if [ ! -x $(BIN)/python ]; then \
	  if ! $(PYTHON) -m venv $(VENV); then \
	    rm -rf $(VENV); \
	    echo "install: '$(PYTHON) -m venv' failed; installing python3-venv from Debian"; \
	    $(MAKE) --no-print-directory apt-install PKGS=python3-venv; \
	    $(PYTHON) -m venv $(VENV); \
	  fi; \
	fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,docs,notebooks]'
	@touch $@

# Installs $(PKGS) with apt-get (callers check first whether they are needed); used by apt-deps
# and by the venv fallback above. Package lists are refreshed only when they are empty or the first install attempt fails, so a
# machine that already has everything never waits for the network.
.PHONY: apt-install
apt-install:
	@if [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "apt: not root and no password-less sudo: skipping '$(PKGS)' (install it yourself)"; exit 0; fi; \
	echo 'wireshark-common wireshark-common/install-setuid boolean false' | $$sudo debconf-set-selections; \
	install() { $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(PKGS) </dev/null; }; \
	if ! ls /var/lib/apt/lists/ 2>/dev/null | grep -q '_Packages'; then $$sudo apt-get update -q; fi; \
	install || { $$sudo apt-get update -q && install; }

# Debian packages the tests use, as "command:package" pairs: tshark is the independent packet
# decoder; the real-host interop tests (tests/host) also run keepalived and ucarp in network
# namespaces, ping and arping from a client, and iproute2's `ip netns`. Only the missing ones
# are installed. No daemon may start as a system service: while installing, a policy-rc.d that
# exits 101 tells invoke-rc.d "do not start" (one already there is left alone), and a system
# keepalived the package enabled is disabled, and one found running (PID file
# /run/keepalived.pid) is stopped.
APT_DEPS := tshark:tshark keepalived:keepalived ucarp:ucarp ip:iproute2 ping:iputils-ping \
  arping:arping chromium:chromium

apt-deps:
	@missing=""; \
	for pair in $(APT_DEPS); do \
	  PATH="$$PATH:/usr/sbin:/sbin" command -v "$${pair%%:*}" >/dev/null 2>&1 \
	    || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -z "$$missing" ]; then echo "apt-deps: all present ($(APT_DEPS))"; exit 0; fi; \
	echo "apt-deps: installing$$missing (packet decoder, real daemons for the interop tests)"; \
	policy=/usr/sbin/policy-rc.d; own_policy=""; \
	if [ "$$(id -u)" -eq 0 ] && [ ! -e $$policy ]; then \
	  printf '#!/bin/sh\n# simlab make apt-deps: start no service while installing\nexit 101\n' > $$policy; \
	  chmod 755 $$policy; own_policy=1; \
	fi; \
	status=0; $(MAKE) --no-print-directory apt-install PKGS="$$missing" || status=$$?; \
	if [ -n "$$own_policy" ]; then rm -f $$policy; fi; \
	case "$$missing" in *keepalived*) \
	  if command -v systemctl >/dev/null 2>&1; then \
	    systemctl disable --quiet keepalived 2>/dev/null || true; \
	    systemctl stop keepalived 2>/dev/null || true; \
	  fi; \
	  pid=$$(cat /run/keepalived.pid 2>/dev/null || true); \
	  if [ -n "$$pid" ] && [ "$$(cat /proc/$$pid/comm 2>/dev/null)" = keepalived ]; then \
	    echo "apt-deps: stopping the system keepalived the package started (PID $$pid)"; \
	    kill "$$pid"; \
	  fi;; \
	esac; \
	exit $$status

# Every stage runs even after one fails, so one run shows every problem; the summary gives each
# stage's wall time and the exit status is non-zero if any stage failed. Sphinx runs quietly here
# (warnings still print, and fail the stage); `make docs` shows its full log. The explicit marker
# expression keeps slow tests in even if someone later deselects them in pytest's addopts.
test: apt-deps $(STAMP)
	@passed=0; failed=0; summary=""; \
	stage() { \
	  local name=$$1; shift; \
	  printf '\n==> %s: %s\n' "$$name" "$$*"; \
	  local t0=$$(date +%s%N) status=ok; \
	  if "$$@"; then passed=$$((passed + 1)); else status=FAILED; failed=$$((failed + 1)); fi; \
	  summary+=$$(printf '%-16s %-7s %7.2f s' "$$name" "$$status" "$$(( ($$(date +%s%N) - t0) / 1000000 ))e-3")$$'\n'; \
	}; \
	stage ruff-check $(RUFF_CHECK); \
	stage ruff-format $(RUFF_FORMAT_CHECK); \
	stage import-linter $(LINT_IMPORTS); \
	stage pytest $(BIN)/pytest -m 'slow or not slow'; \
	stage docs $(BIN)/sphinx-build -q $(SPHINX_ARGS); \
	printf '\n==> summary\n%s' "$$summary"; \
	echo "stages: $$passed passed, $$failed failed"; \
	[ $$failed -eq 0 ]

lint: $(STAMP)
	$(RUFF_CHECK)
	$(RUFF_FORMAT_CHECK)
	$(LINT_IMPORTS)

fmt: $(STAMP)
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

docs: $(STAMP)
	$(BIN)/sphinx-build $(SPHINX_ARGS)

demo: $(STAMP)
	$(BIN)/simlab demo

# The learner's entry point: JupyterLab on notebooks/ (README says which notebook to start with).
# Jupyter refuses to run as root without --allow-root (containers, CI machines): add it there.
LAB_ARGS ?=
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" -eq 0 ] && echo --allow-root) $(LAB_ARGS)

clean:
	rm -rf docs/_build docs/jupyter_execute build dist .pytest_cache .hypothesis .ruff_cache \
	  .import_linter_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	find . -path ./$(VENV) -prune -o -name '*.egg-info' -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
