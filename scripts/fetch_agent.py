#!/usr/bin/env python3
"""Install the pinned ngrok 2.3.41 agent (npm package, checksum verified) into .cache/ and print its path.

The verified npm tarball is kept next to the binary (``expo-ngrok-bin-<platform>-2.3.41.tgz``): the tests of the
npm-less install and ``make wheel-smoke`` serve it from a loopback registry.

Usage: scripts/fetch_agent.py [CACHE_DIR]   (default: <repo>/.cache). Needs only python3 and npm.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from typed_ngrok._install.npm_agent import NpmAgentError, fetch_npm_agent  # noqa: E402


def main() -> int:
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".cache"
    try:
        print(fetch_npm_agent(cache, keep_tarball=True))
    except NpmAgentError as exc:
        print(f"fetch_agent: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
