# Two commands for people: `make run` and `make test`. Everything else is a helper of those.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test install lint fmt browsers vendor bench clean

$(BIN)/uv:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)

# The stamp depends on the lock, so a changed lock reinstalls and an unchanged one is instant.
$(VENV)/.synced: $(BIN)/uv pyproject.toml uv.lock
	$(BIN)/uv sync --frozen --inexact --python $(BIN)/python -q
	touch $@

install: $(VENV)/.synced

run: install
	$(BIN)/zhengdun setup
	$(BIN)/zhengdun serve

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy zhengdun
	$(BIN)/zhengdun makemigrations --check --dry-run
	$(BIN)/pytest -n 2 -q

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Debian's Chromium and a CJK font for the browser tests (tests/browser); .ci/run does the same.
browsers:
	@test -x /usr/bin/chromium && test -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
		|| (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk)

# Refresh the vendored front-end assets from their npm packages (needs the npm registry; the
# app itself never fetches anything at run time).
vendor:
	bash scripts/vendor.sh

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var
