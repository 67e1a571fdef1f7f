"""Check a built typed-ngrok wheel before ``make demo`` installs it: every top-level package carries ``py.typed``
(PEP 561), the LICENSE is in ``dist-info/licenses``, and no test or development file slipped in.

    python3 scripts/check_wheel.py dist/typed_ngrok-*.whl
"""

from __future__ import annotations

import sys
import zipfile

PACKAGES = ("typed_ngrok", "typed_ngrok_agent_api", "typed_ngrok_cloud_api")


def problems(wheel: str) -> list[str]:
    """What is wrong with ``wheel`` (an empty list when nothing is).

    Args:
        wheel: the path of the ``.whl`` file.

    Returns:
        One line per problem found.
    """
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    found: list[str] = []
    tops = sorted({name.split("/", 1)[0] for name in names if "/" in name and ".dist-info/" not in name})
    if tops != sorted(PACKAGES):
        found.append(f"top-level packages {tops}, expected {sorted(PACKAGES)}")
    found += [f"{package}/py.typed is missing" for package in PACKAGES if f"{package}/py.typed" not in names]
    if not any(name.endswith(".dist-info/licenses/LICENSE") for name in names):
        found.append("dist-info/licenses/LICENSE is missing")
    found += [f"unexpected file {name}" for name in names if "/tests/" in name or name.endswith((".pyc", ".orig"))]
    return found


def main() -> int:
    """Check each wheel named on the command line; print what is wrong and return 1, or print a summary."""
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    status = 0
    for wheel in sys.argv[1:]:
        wrong = problems(wheel)
        for line in wrong:
            print(f"{wheel}: {line}", file=sys.stderr)
        if wrong:
            status = 1
        else:
            print(f"{wheel}: py.typed in {', '.join(PACKAGES)}; LICENSE included")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
