# The README's commands: `make run`, `make test` and `make demo`. Each builds .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG := $(if $(wildcard config.toml),config.toml,config.example.toml)

.PHONY: run demo test lint typecheck unit clean lock docker-smoke dist model

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/python -m bot --config $(CONFIG) run

# The real bot on a few invented articles, offline, in seconds (README, "The two commands").
demo: $(VENV)/.installed
	$(BIN)/python -m bot demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check bot tests $(wildcard bench)
	$(BIN)/ruff format --check bot tests $(wildcard bench)

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy bot

unit: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -rs

test: lint typecheck unit

# The fitted relevance model, rebuilt from the labelled streams (read in place) and the seeds.
EVAL_DIR ?= ../shared/eval-dev
EVAL_SEEDS ?= ../shared/seeds
$(VENV)/.installed-model: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,model]'
	touch $(VENV)/.installed $(VENV)/.installed-dev $@

model: $(VENV)/.installed-model
	$(BIN)/python -m bot.evaluation.fit --data $(EVAL_DIR) --seeds $(EVAL_SEEDS) \
		--out bot/analysis/relevance_model.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist

# The wheel to install anywhere (pipx install dist/newsbot-*.whl); README, "Install".
dist: | $(BIN)/python
	rm -rf build
	$(BIN)/python -m pip wheel --quiet --no-deps -w dist .
	@ls -l dist/*.whl

# ---- ops: pinned dependencies for the images, and the Docker proof (needs root; ~2-5 min)

lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet 'uv>=0.5,<1'
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" --quiet -o requirements.lock
	$(BIN)/uv pip compile docker/archive.in --universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" --quiet -o docker/archive.lock

docker-smoke:
	./scripts/docker-smoke
