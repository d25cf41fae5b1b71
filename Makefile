# The README's two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run run-sso test fuzz install setup translations messages demo index bench bench-search clean-instance

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch is pinned to the CPU build (torch==2.13.0) in pyproject.toml.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d portal/translations >/dev/null

# Extract every visible string and update the Dutch catalogue.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o /tmp/portal-messages.pot . >/dev/null
	$(BIN)/pybabel update -i /tmp/portal-messages.pot -d portal/translations --no-fuzzy-matching --ignore-obsolete --width 100

# Migrate, load demo accounts and tickets, load knowledge and courses, build the index.
setup: install
	$(BIN)/portal db upgrade
	$(BIN)/portal kb sync
	$(BIN)/portal index rebuild
	$(BIN)/portal demo load

run: setup
	@PORTAL_BASE_URL=http://$(HOST):$(PORT) $(BIN)/portal demo logins
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C stops); mail goes to instance/mail/*.eml"
	@echo "Background jobs: portal worker (status: .venv/bin/portal worker status)"
	@export PORTAL_BASE_URL=http://$(HOST):$(PORT); \
	$(BIN)/portal worker >/dev/null & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/portal run --host $(HOST) --port $(PORT)

# The demo with single sign-on: a local demo identity provider (oidc-provider-mock) on
# localhost:$(IDP_PORT) that knows the demo people and their groups; passwords still work.
IDP_PORT ?= 9400
run-sso: setup
	@echo "Demo identity provider on http://localhost:$(IDP_PORT); on the login page choose"
	@echo "'Inloggen met je gemeente-account' and pick a person (e.g. sanne.devries)."
	@export PORTAL_BASE_URL=http://$(HOST):$(PORT) \
	  PORTAL_OIDC_DISCOVERY_URL=http://localhost:$(IDP_PORT)/.well-known/openid-configuration \
	  PORTAL_OIDC_CLIENT_ID=datashop-demo PORTAL_OIDC_CLIENT_SECRET=datashop-demo-secret \
	  PORTAL_OIDC_GROUP_ROLES="$$($(BIN)/python -c 'import json; from portal.demo.sso import DEMO_GROUP_ROLES as g; print(json.dumps(g))')"; \
	$(BIN)/portal sso demo-provider --port $(IDP_PORT) >/dev/null 2>&1 & idp=$$!; \
	$(BIN)/portal worker >/dev/null & worker=$$!; \
	trap 'kill $$idp $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/portal run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q

# A wider schema fuzz run than the suite's fixed seed: a random seed each time
# (printed on failure; repeat one with FUZZ_SEED=N make fuzz).
fuzz: install
	@seed=$${FUZZ_SEED:-$$(shuf -i 1-1000000 -n 1)}; echo "schemathesis seed $$seed"; \
	FUZZ_SEED=$$seed FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} \
	  $(BIN)/python -m pytest -q tests/test_openapi.py -k fuzzer

bench: install
	$(BIN)/python benchmarks/desk_queue.py
	$(BIN)/python benchmarks/search_quality.py

# Search speed figures (each script prints the CPU, its flags, the runtime and threads).
bench-search: install
	$(BIN)/python benchmarks/embedding_runtime.py
	$(BIN)/python benchmarks/index_build.py
	$(BIN)/python benchmarks/search_speed.py
	$(BIN)/python benchmarks/load_test.py

clean-instance:
	rm -rf instance/portal.db* instance/index instance/uploads instance/mail
