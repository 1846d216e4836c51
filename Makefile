# exchange.firewall — developer and user entry points.
#   make demo    plan the bundled example organisation (creates .venv on first use)
#   make test    every test: unit + property + integration (+ firewalld namespaces as root), sanity, lint
#   make bench   every benchmark under benchmarks/
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= $(CURDIR)/.venv
BIN := $(VENV)/bin
OUTPUT ?= $(CURDIR)/output
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/collections
export ANSIBLE_PYTHON_INTERPRETER ?= auto_silent
LINK := collections/ansible_collections/exchange/firewall

.PHONY: help venv collections vendor demo test pytest unit integration sanity lint ruff bench build clean

help:
	@grep -E '^#   make' Makefile | sed 's/^#   //'

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

collections: $(LINK)

# cisco.asa (not in the ansible 12.3.0 bundle), ncclient/xmltodict/jxmlease (Junos), pan-os-python,
# pinned, into .cache/vendor (git-ignored).
vendor: venv
	PYTHON=$(BIN)/python tests/vendor/install-vendor-collections.sh

$(LINK):
	mkdir -p $(dir $(LINK))
	ln -sfn ../../.. $(LINK)

# The demo compares the example with its last approved plan (examples/variants/approved-2026-q3.yml).
demo: venv collections
	@mkdir -p .cache && $(BIN)/ansible-playbook exchange_firewall.yml -e exchange_firewall_output_dir=$(CURDIR)/.cache/demo-approved -e @examples/variants/approved-2026-q3.yml > .cache/demo-approved.log
	$(BIN)/ansible-playbook exchange_firewall.yml -e exchange_firewall_output_dir=$(OUTPUT) -e exchange_firewall_previous_plan=$(CURDIR)/.cache/demo-approved/plan.json
	@echo
	@echo "Plan of the example organisation: $(OUTPUT)/plan.json (schema in README), plan.md, plan.csv, windows/*.ps1"
	@echo "Report with the flow diagram and the changes since the approved plan: $(OUTPUT)/report.html"

# pytest runs last, so its summary line closes the output.
test: venv collections ruff sanity lint pytest

pytest: venv collections vendor
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2

ruff: venv
	$(BIN)/ruff check plugins tests benchmarks

unit: venv collections vendor
	$(BIN)/python -m pytest tests/unit -q -p no:cacheprovider

integration: venv collections vendor
	$(BIN)/python -m pytest tests/integration -q -p no:cacheprovider

sanity: venv
	VENV=$(VENV) tests/sanity/run-sanity.sh

lint: venv collections
	$(BIN)/ansible-lint --nocolor

bench: venv collections
	@set -e; for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script; done

build: venv
	$(BIN)/ansible-galaxy collection build --force --output-path $(CURDIR)/output

clean:
	rm -rf $(OUTPUT) .cache tests/output collections .pytest_cache .hypothesis
