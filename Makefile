# v6kube.cluster developer entry points. `make demo` and `make test` work on a fresh Debian machine.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(ROOT)/.cache/collections
export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
export ANSIBLE_FORCE_COLOR ?= 0
export PY_COLORS ?= 0

SCENARIOS ?= $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml))))
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.PHONY: venv
venv: ## Create .venv with the locked Python toolchain (no-op when current)
	@scripts/venv.sh

.PHONY: collections
collections: venv ## Install the pinned collections into .cache/collections
	@scripts/collections.sh

.PHONY: deps
deps: venv collections

.PHONY: lab
lab: ## Install podman, build the lab images, create the IPv6-only network (cached)
	@scripts/lab-hosts.sh

.PHONY: lint
lint: deps ## yamllint and ansible-lint (production profile)
	yamllint --strict .
	ansible-lint --offline --profile production
	antsibull-changelog lint

.PHONY: sanity
sanity: deps ## ansible-test sanity with the local Python, no ignore files
	@scripts/sanity.sh

.PHONY: unit
unit: deps ## Unit and property tests of the Python core, filters and modules
	python -m pytest tests/unit

.PHONY: integration
integration: deps toolchain ## Controller-side tests: playbooks, and kubeadm against the rendered configurations
	python -m pytest -p no:cacheprovider -q -n 2 --dist loadfile --durations=12 tests/integration

.PHONY: build
build: deps ## Build the collection tarball and install it into an empty path
	@scripts/build-check.sh

.PHONY: toolchain
toolchain: ## Build the pinned upstream tools from their Go modules (cached) and the lab mirror
	@scripts/build-toolchain.sh
	@scripts/lab-mirror.sh build

.PHONY: molecule
molecule: deps lab toolchain ## Every Molecule scenario (SCENARIOS="a b" for some)
	@scripts/molecule-all.sh $(SCENARIOS)

.PHONY: test
test: ## Everything CI runs: lint, sanity, unit, integration, build, execution environment, Molecule
	@scripts/test-all.sh

.PHONY: demo
demo: deps lab toolchain ## Start the lab hosts and run site.yml against inventories/lab
	@scripts/demo.sh

.PHONY: ee
ee: deps lab toolchain ## Build the execution environment image; make demo through it (replaces the make demo hosts: bare again first)
	@scripts/ee.sh

.PHONY: docs
docs: deps ## Build the documentation site (.cache/docs/html) from the README and the plugin and role docs
	@scripts/docs.sh

.PHONY: plan
plan: deps ## Print the address plan of INVENTORY (default inventories/example)
	ansible-playbook -i $(or $(INVENTORY),inventories/example) playbooks/plan.yml

.PHONY: bench
bench: deps toolchain ## Benchmarks, printed as ratios against baselines from the same run
	python benchmarks/run.py
	python benchmarks/host_network.py
	python benchmarks/etcd_backup.py
	python benchmarks/ipfamily_audit.py

.PHONY: clean
clean: ## Remove the lab containers and build outputs (keeps caches)
	-scripts/demo.sh --down
	rm -rf .cache/ansible-test v6kube-cluster-*.tar.gz tests/output
