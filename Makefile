# Developer entry points. Everything runs from the repository's virtualenv (.venv, `pip install -e '.[test]'`).
PYTHON ?= .venv/bin/python
VENV_BIN := $(dir $(PYTHON))
CHART := charts/dynamotable-operator
IMAGE ?= dynamotable-operator
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' operator/dynamotable/__init__.py)
TAG ?= $(VERSION)

.PHONY: help test lint typecheck check chart-test chart-package chart-changes schema crds crds-sync image e2e iam-policy

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

test: ## the test suite (unit, aws, operator, chart; e2e skips without Docker and kind)
	$(PYTHON) -m pytest

lint: ## ruff, ruff format and the import-layer contracts
	$(VENV_BIN)ruff check operator tests tools
	$(VENV_BIN)ruff format --check operator tests tools
	$(VENV_BIN)lint-imports

typecheck: ## mypy --strict
	$(VENV_BIN)mypy
	$(VENV_BIN)mypy --strict tools

check: lint typecheck test ## everything CI runs

chart-test: ## render, lint and validate the Helm chart offline (helm-python-sdk)
	$(PYTHON) -m pytest tests/chart tests/unit/test_dockerfile.py

chart-package: ## helm package the chart into dist/ (version and appVersion must be the package version)
	$(PYTHON) tools/chart_package.py package --destination dist

chart-changes: ## write this version's CHANGELOG section into Chart.yaml's artifacthub.io/changes
	$(PYTHON) tools/chart_package.py changes --write

schema: ## regenerate schema/dynamotable.schema.json (the editors' JSON Schema)
	$(VENV_BIN)dynamotable schema > schema/dynamotable.schema.json

crds: ## regenerate crds/ from the API models, then copy them into the chart
	$(VENV_BIN)dynamotable crd > crds/dynamotables.dynamotable.io.yaml
	$(MAKE) crds-sync

crds-sync: ## copy crds/ into the chart (tests/chart fails when they differ)
	rm -f $(CHART)/crds/*.yaml
	cp crds/*.yaml $(CHART)/crds/

image: ## build the operator image (IMAGE=... TAG=...)
	docker build -t $(IMAGE):$(TAG) --build-arg VERSION=$(VERSION) .

e2e: ## end-to-end on a throwaway kind cluster: image, chart, embedded endpoint, examples (needs Docker, kind, kubectl)
	$(PYTHON) -m pytest -m e2e tests/e2e -v -rs

iam-policy: ## print the operator role's IAM policy (ARGS="--account-id 123456789012 --table-prefix team-")
	$(VENV_BIN)dynamotable iam-policy $(ARGS)
