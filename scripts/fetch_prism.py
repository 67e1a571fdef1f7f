#!/usr/bin/env python3
"""Install Prism (npm ``@stoplight/prism-cli``, exact pin) into .cache/ for the cloud contract tests; print its binary.

The exact version and the integrity of every one of its npm packages are pinned by the lock file committed in
``scripts/prism/``; ``npm ci`` installs exactly that lock (failing on any integrity mismatch) and runs no install
scripts. The tests (tests/cloud/test_cloud_prism.py) run ``prism proxy`` with ngrok's own OpenAPI file in front of a
fake API server.

Usage: scripts/fetch_prism.py [CACHE_DIR]   (default: <repo>/.cache). Idempotent. Needs python3 and npm (node >= 18).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN_DIR = ROOT / "scripts" / "prism"
PRISM_VERSION = "5.16.0"


class FetchError(Exception):
    pass


def prism_dir(cache: Path) -> Path:
    return cache / f"prism-{PRISM_VERSION}"


def prism_bin(cache: Path) -> Path:
    return prism_dir(cache) / "node_modules" / ".bin" / "prism"


def _ok(folder: Path) -> bool:
    try:
        meta = json.loads((folder / "node_modules" / "@stoplight" / "prism-cli" / "package.json").read_text())
        stamp = (folder / ".verified").read_text().strip()
    except (OSError, ValueError):
        return False
    lock = (PIN_DIR / "package-lock.json").read_text()
    return meta.get("version") == PRISM_VERSION and stamp == hash_text(lock)


def hash_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def fetch(cache: Path) -> Path:
    folder = prism_dir(cache)
    if _ok(folder):
        return prism_bin(cache)
    if shutil.which("npm") is None:
        raise FetchError("npm is not installed (Prism needs node >= 18 and npm)")
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="prism-", dir=cache))
    try:
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(PIN_DIR / name, tmp / name)
        argv = ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
        try:
            done = subprocess.run(argv, cwd=tmp, capture_output=True, text=True, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise FetchError(f"npm ci failed: {exc}") from exc
        if done.returncode != 0:
            raise FetchError(f"npm ci exited {done.returncode}:\n{done.stderr.strip()[-2000:]}")
        (tmp / ".verified").write_text(hash_text((PIN_DIR / "package-lock.json").read_text()) + "\n")
        if not _ok(tmp):
            raise FetchError(f"npm did not install @stoplight/prism-cli@{PRISM_VERSION}")
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return prism_bin(cache)


def main() -> int:
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".cache"
    try:
        print(fetch(cache))
    except FetchError as exc:
        print(f"fetch_prism: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
