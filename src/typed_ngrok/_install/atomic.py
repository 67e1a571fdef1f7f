"""Installing a binary atomically: the one way every installer path (ngrok's CDN, ``npm pack``, the npm registry)
puts the agent in place.

Standard library only (plus the exception tree), so :mod:`.npm_agent` stays importable by ``scripts/fetch_agent.py``
before any virtual environment exists.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import IO

from typed_ngrok.exception import PyngrokNgrokInstallError

__all__ = ["BINARY_MODE", "atomic_install"]

#: The mode of every binary typed-ngrok installs: the user's own executable, not readable by others.
BINARY_MODE = 0o700


@contextlib.contextmanager
def atomic_install(target: str, mode: int = BINARY_MODE) -> Iterator[IO[bytes]]:
    """Yield a file to write the new binary into; on success it replaces ``target`` atomically with ``mode``.

    The file is a ``mkstemp`` file beside ``target``, flushed and fsynced before the rename. On any exception
    (including KeyboardInterrupt, or a failed check raised inside the block) the temporary file is removed and
    ``target`` is left as it was.

    Raises:
        PyngrokNgrokInstallError: when the folder cannot be created or the file cannot be written or renamed.
    """
    directory = os.path.dirname(os.path.abspath(target))
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".ngrok-install-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise PyngrokNgrokInstallError(f"cannot write into {directory}: {exc}") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise PyngrokNgrokInstallError(f"cannot install {target}: {exc}") from exc
        raise
