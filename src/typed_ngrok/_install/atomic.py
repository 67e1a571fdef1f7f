"""Installing a binary atomically: the one way every installer path (ngrok's CDN, ``npm pack``, the npm registry)
puts the agent in place.

Standard library only (plus the exception tree), so :mod:`.npm_agent` stays importable by ``scripts/fetch_agent.py``
before any virtual environment exists.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import IO

from typed_ngrok._atomic import FolderError, atomic_file
from typed_ngrok.exception import PyngrokNgrokInstallError

__all__ = ["BINARY_MODE", "atomic_install"]

#: The mode of every binary typed-ngrok installs: the user's own executable, not readable by others.
BINARY_MODE = 0o700


@contextlib.contextmanager
def atomic_install(target: str, mode: int = BINARY_MODE) -> Iterator[IO[bytes]]:
    """Yield a file to write the new binary into; on success it replaces ``target`` atomically with ``mode``.

    Written through :func:`typed_ngrok._atomic.atomic_file` (fsynced before the rename; on any exception, a failed
    check raised inside the block included, ``target`` is left as it was).

    Raises:
        PyngrokNgrokInstallError: when the folder cannot be created or the file cannot be written or renamed.
    """
    try:
        with atomic_file(target, mode, prefix=".ngrok-install-") as out:
            yield out
    except FolderError as exc:
        raise PyngrokNgrokInstallError(f"cannot write into {exc.folder}: {exc.cause}") from exc.cause
    except OSError as exc:
        raise PyngrokNgrokInstallError(f"cannot install {target}: {exc}") from exc
