#!/usr/bin/env python3
"""Install ngrok's own SDKs, pinned exactly and verified, into .cache/ for the local edge's SDK tests.

- npm ``@ngrok/ngrok`` 1.7.0 (its Linux x64 native module ships in ``@ngrok/ngrok-linux-x64-gnu``) into
  ``.cache/ngrok-js-1.7.0`` (npm checks each tarball against the integrity pinned below, via a lock file we write).
- PyPI ``ngrok`` 1.7.0 (the ``cp310-abi3`` wheel; it declares Python >= 3.12 but runs on 3.11) into the folder
  ``.cache/ngrok-py-1.7.0``, kept off the project's venv: the SDK tests put it on ``sys.path`` themselves.
  pip checks the wheel against the sha256 pinned below.

Usage: scripts/fetch_sdks.py [--python PYTHON] [CACHE_DIR]   (default: this interpreter, <repo>/.cache).
Idempotent: a verified install is left as it is. Needs python3 (with pip) and npm; prints the two folders.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SDK_VERSION = "1.7.0"

JS_PACKAGE = "@ngrok/ngrok"
JS_NATIVE = "@ngrok/ngrok-linux-x64-gnu"
JS_INTEGRITY = {
    JS_PACKAGE: "sha512-P06o9TpxrJbiRbHQkiwy/rUrlXRupc+Z8KT4MiJfmcdWxvIdzjCaJOdnNkcOTs6DMyzIOefG5tvk/HLdtjqr0g==",
    JS_NATIVE: "sha512-M6gF0DyOEFqXLfWxObfL3bxYZ4+PnKBHuyLVaqNfFN9Y5utY2mdPOn5422Ppbk4XoIK5/YkuhRqPJl/9FivKEw==",
}
PY_WHEEL_SHA256 = "0f3793cec6e52d8aff427fc1ddbf914c3b51f0e28240187bdaf27fd0ba8521f0"  # cp310-abi3 manylinux x86_64


class FetchError(Exception):
    pass


def js_dir(cache: Path) -> Path:
    return cache / f"ngrok-js-{SDK_VERSION}"


def py_dir(cache: Path) -> Path:
    return cache / f"ngrok-py-{SDK_VERSION}"


def _run(argv: list[str], cwd: Path | None = None) -> None:
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FetchError(f"{argv[0]} failed: {exc}") from exc
    if done.returncode != 0:
        raise FetchError(f"{' '.join(argv[:3])} … exited {done.returncode}:\n{done.stderr.strip()[-2000:]}")


def _js_ok(folder: Path) -> bool:
    for name in (JS_PACKAGE, JS_NATIVE):
        try:
            meta = json.loads((folder / "node_modules" / name / "package.json").read_text())
        except (OSError, ValueError):
            return False
        if meta.get("version") != SDK_VERSION:
            return False
    return (folder / ".verified").is_file()


def fetch_js(cache: Path) -> Path:
    folder = js_dir(cache)
    if _js_ok(folder):
        return folder
    if shutil.which("npm") is None:
        raise FetchError("npm is not installed")
    tmp = Path(tempfile.mkdtemp(prefix="ngrok-js-", dir=cache))
    try:
        (tmp / "package.json").write_text(
            json.dumps({"private": True, "dependencies": {JS_PACKAGE: SDK_VERSION}}, indent=2) + "\n"
        )

        def entry(name: str, optional: bool) -> dict[str, object]:
            item: dict[str, object] = {"version": SDK_VERSION, "integrity": JS_INTEGRITY[name]}
            if optional:
                item.update(optional=True, os=["linux"], cpu=["x64"], libc=["glibc"])
            else:
                item["optionalDependencies"] = {JS_NATIVE: SDK_VERSION}
            return item

        lock = {
            "lockfileVersion": 3,
            "requires": True,
            "packages": {
                "": {"dependencies": {JS_PACKAGE: SDK_VERSION}},
                f"node_modules/{JS_PACKAGE}": entry(JS_PACKAGE, False),
                f"node_modules/{JS_NATIVE}": entry(JS_NATIVE, True),
            },
        }
        (tmp / "package-lock.json").write_text(json.dumps(lock, indent=2) + "\n")
        # npm ci installs exactly the lock (and fails on an integrity mismatch); no scripts run
        _run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], cwd=tmp)
        (tmp / ".verified").write_text(SDK_VERSION + "\n")
        if not _js_ok(tmp):
            raise FetchError(f"npm did not install {JS_PACKAGE}@{SDK_VERSION} and {JS_NATIVE}@{SDK_VERSION}")
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _py_ok(folder: Path) -> bool:
    return (folder / f"ngrok-{SDK_VERSION}.dist-info" / "METADATA").is_file() and (folder / ".verified").is_file()


def fetch_py(cache: Path, python: str) -> Path:
    folder = py_dir(cache)
    if _py_ok(folder):
        return folder
    tmp = Path(tempfile.mkdtemp(prefix="ngrok-py-", dir=cache))
    try:
        req = tmp / "requirements.txt"
        req.write_text(f"ngrok=={SDK_VERSION} --hash=sha256:{PY_WHEEL_SHA256}\n")
        target = tmp / "site"
        _run(
            [
                python,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                "--ignore-requires-python",
                "--require-hashes",
                "--target",
                str(target),
                "-r",
                str(req),
            ]
        )
        (target / ".verified").write_text(SDK_VERSION + "\n")
        if not _py_ok(target):
            raise FetchError(f"pip did not install ngrok {SDK_VERSION}")
        if folder.exists():
            shutil.rmtree(folder)
        target.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter whose pip installs the wheel")
    parser.add_argument("cache", nargs="?", default=str(ROOT / ".cache"))
    args = parser.parse_args()
    cache = Path(args.cache)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        print(fetch_js(cache))
        print(fetch_py(cache, os.fspath(args.python)))
    except (FetchError, OSError) as exc:
        print(f"fetch_sdks: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
