# exchange.firewall — developer and user entry points (`make help` lists them).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= $(CURDIR)/.venv
BIN := $(VENV)/bin
OUTPUT ?= $(CURDIR)/output
DIST ?= $(CURDIR)/dist
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/collections
export ANSIBLE_PYTHON_INTERPRETER ?= auto_silent
LINK := collections/ansible_collections/exchange/firewall
VERSION = $(shell sed -n 's/^version: *//p' galaxy.yml)
# The version matrix `make test` runs besides `make sanity` and `make pytest` (both on the newest
# ansible-core): the unit tests and sanity on the older cores, so that every core gets both.
# `make matrix-all` runs every session of noxfile.py (units and sanity on 2.16, 2.17, 2.18, 2.19).
MATRIX ?= units-2.16 units-2.17 units-2.18 sanity-2.16 sanity-2.17 sanity-2.18

.PHONY: help venv collections vendor demo test pytest unit integration molecule sanity lint ruff matrix matrix-all \
        bench build ee changelog release clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed -E 's/^([a-z-]+):.*## (.*)$$/make \1\t\2/' | expand -t 20

venv: $(VENV)/.installed ## create the virtual environment from requirements.txt (first use of any target)

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

collections: $(LINK) ## link the checkout as collections/ansible_collections/exchange/firewall

# cisco.asa (not in the ansible 12.3.0 bundle), ncclient/xmltodict/jxmlease (Junos), pan-os-python,
# pinned, into .cache/vendor (git-ignored).
vendor: venv ## install the vendor collections and libraries the network-firewall tests need
	PYTHON=$(BIN)/python tests/vendor/install-vendor-collections.sh

$(LINK):
	mkdir -p $(dir $(LINK))
	ln -sfn ../../.. $(LINK)

# The demo compares the example with its last approved plan (examples/variants/approved-2026-q3.yml).
demo: venv collections ## plan the bundled example organisation into output/, with the changes since its approved plan
	@mkdir -p .cache && $(BIN)/ansible-playbook exchange_firewall.yml -e exchange_firewall_output_dir=$(CURDIR)/.cache/demo-approved -e @examples/variants/approved-2026-q3.yml > .cache/demo-approved.log
	$(BIN)/ansible-playbook exchange_firewall.yml -e exchange_firewall_output_dir=$(OUTPUT) -e exchange_firewall_previous_plan=$(CURDIR)/.cache/demo-approved/plan.json
	@echo
	@if $(BIN)/python -c 'import sys; sys.path.insert(0, "tests"); import chromium; sys.exit(chromium.executable() is None)'; then \
	  $(BIN)/python tests/chromium.py $(OUTPUT)/report.html $(OUTPUT)/report.png; \
	else echo "No Chromium: no screenshot of the report (Debian: apt-get install chromium)"; fi
	@echo
	@echo "Plan of the example organisation: $(OUTPUT)/plan.json (schema in README), plan.md, plan.csv, windows/*.ps1"
	@echo "Report with the flow diagram and the changes since the approved plan: $(OUTPUT)/report.html (screenshot: report.png)"

# pytest runs last, so its summary line closes the output.
test: venv collections ruff sanity lint matrix pytest ## every test: ruff, sanity, ansible-lint, the core matrix, pytest

pytest: venv collections vendor ## unit + property + integration tests, Molecule included (root for the namespaces)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2

unit: venv collections vendor ## unit tests only
	$(BIN)/python -m pytest tests/unit -q -p no:cacheprovider

integration: venv collections vendor ## integration tests only
	$(BIN)/python -m pytest tests/integration -q -p no:cacheprovider

# Molecule runs ansible-playbook from PATH: the venv goes first. Its ephemeral directory is named
# after the checkout's full path, so that two checkouts (even in folders of the same name) can run
# the scenario at once; the lab's own state is in .cache/molecule/ (see molecule.yml).
molecule: venv collections ## the Molecule scenario (root): namespaces with firewalld, real traffic
	PATH=$(BIN):$$PATH MOLECULE_EPHEMERAL_DIRECTORY=$(CURDIR)/.cache/molecule/ephemeral $(BIN)/molecule test

sanity: venv ## ansible-test sanity on a copy of the collection (newest ansible-core)
	VENV=$(VENV) tests/sanity/run-sanity.sh

lint: venv collections ## ansible-lint, profile production
	$(BIN)/ansible-lint --nocolor

ruff: venv ## ruff on the Python code
	$(BIN)/ruff check plugins tests benchmarks noxfile.py

matrix: venv collections vendor ## the ansible-core matrix sessions of MATRIX (nox; see noxfile.py)
	$(BIN)/nox --no-color --sessions $(MATRIX)

matrix-all: venv collections vendor ## every nox session: units and sanity on ansible-core 2.16 to 2.19
	$(BIN)/nox --no-color

BENCHMARKS := benchmarks/plan_scale.py benchmarks/playbook_scale.py benchmarks/firewalld_apply.py

bench: venv collections ## every benchmark under benchmarks/ (engine, whole plan run at scale, firewalld apply; root)
	@set -e; for script in $(BENCHMARKS); do echo "== $$script"; $(BIN)/python $$script; done

build: venv ## build the collection tarball into dist/
	$(BIN)/ansible-galaxy collection build --force --output-path $(DIST)

ee: build ## write the execution environment's build context (ansible-builder create) into .cache/ee/
	cd examples && $(BIN)/ansible-builder create -f execution-environment.yml -c $(CURDIR)/.cache/ee \
	  --output-filename Containerfile
	@echo "Build context: .cache/ee (podman build -f .cache/ee/Containerfile -t exchange-firewall-ee:$(VERSION) .cache/ee)"

changelog: venv ## lint the changelog fragments and write CHANGELOG.md from changelogs/changelog.yaml
	$(BIN)/antsibull-changelog lint
	PATH=$(BIN):$$PATH $(BIN)/antsibull-changelog generate

release: venv collections ## record the fragments as the release galaxy.yml names, then write CHANGELOG.md
	PATH=$(BIN):$$PATH $(BIN)/antsibull-changelog release --version $(VERSION)

clean: ## remove outputs and caches (not the venv)
	rm -rf $(OUTPUT) $(DIST) .cache tests/output collections .pytest_cache .hypothesis .nox
