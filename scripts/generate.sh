#!/usr/bin/env bash
# Rebuild generated/ from openapi/ with the pinned toolchain (openapi-python-client, ruff from the dev extra).
# Usage: scripts/generate.sh [OUTPUT_ROOT]   (default: generated; `make check` generates into a temp dir and diffs)
set -euo pipefail
cd "$(dirname "$0")/.."
out_root="${1:-generated}"
bin="${VENV_BIN:-.venv/bin}"
export PATH="$PWD/$bin:$PATH"
command -v ruff >/dev/null || { echo "ruff not on PATH: the post hooks would be skipped silently" >&2; exit 1; }
command -v openapi-python-client >/dev/null || { echo "openapi-python-client missing: run 'make install'" >&2; exit 1; }

generate() {  # <spec basename> <python package> [extra generator options]
  local spec="openapi/$1.yaml" out="$out_root/$2"
  openapi-spec-validator "$spec" >/dev/null
  rm -rf "$out"   # --overwrite only clears api/ and models/; stale top-level files would survive
  mkdir -p "$out_root"
  openapi-python-client generate --path "$spec" --config "openapi/$1.config.yaml" \
    --meta none --output-path "$out" --fail-on-warning "${@:3}" >/dev/null
  test -f "$out/py.typed" || { echo "no py.typed in $out" >&2; exit 1; }
}
only="${ONLY:-all}"   # ONLY=agent-api or ONLY=cloud-api rebuilds one package
if [ "$only" = all ] || [ "$only" = agent-api ]; then
  # openapi/templates/endpoint_init.py.jinja (ours) adds OPERATIONS/SCHEMAS/LISTS to each api/<tag>/__init__.py
  generate agent-api typed_ngrok_agent_api --custom-template-path openapi/templates
fi
if [ "$only" = all ] || [ "$only" = cloud-api ]; then generate cloud-api typed_ngrok_cloud_api; fi
