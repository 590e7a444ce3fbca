# The two commands a new machine needs:
#   make demo   - set everything up and run the server on the bundled demo config
#   make test   - set everything up and run the whole test suite
# Both create ./.venv on first use; `pip install` alone brings speech (eSpeak NG via espeakng-loader).

VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/antrian serve

system-deps:
	scripts/install-system-deps

# The suite waits on servers, browsers and PostgreSQL about half the time: one worker more than
# the machine has cores keeps them busy. Each test file runs whole in one worker (its servers and
# browser are set up once). TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

test: lint system-deps
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHON=$(abspath $(VENV))/bin/python scripts/typecheck

bench: $(STAMP) system-deps
	$(VENV)/bin/python bench/run_all.py

clean:
	rm -rf $(VENV) antrian-data
