"""Replacing a file atomically: the one way typed-ngrok writes a file others may read while it changes (the agent
binary, the agent's config file).

The content goes to a ``mkstemp`` file beside the target (mode 0600 from the start), is flushed and fsynced, gets its
final mode, and is renamed over the target. On any exception (KeyboardInterrupt and a failed check raised inside the
block included) the temporary file is removed and the target is left as it was. Callers map the ``OSError`` to their
own :class:`~typed_ngrok.exception.PyngrokError`; :class:`FolderError` tells a folder that could not be made or
written into from a failed write. Standard library only: ``_install.npm_agent`` runs before any virtualenv exists.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import IO

__all__ = ["FolderError", "atomic_file"]


class FolderError(OSError):
    """The target's folder could not be created or written into (``folder``; the cause is ``__cause__``)."""

    def __init__(self, folder: str, cause: OSError) -> None:
        super().__init__(cause.errno, cause.strerror or str(cause))
        self.folder = folder
        self.cause = cause


@contextlib.contextmanager
def atomic_file(target: str, mode: int, *, folder_mode: int = 0o777, prefix: str = ".tmp-") -> Iterator[IO[bytes]]:
    """Yield a binary file to write into; on success it replaces ``target`` with ``mode``.

    Args:
        target: the file to replace (or create).
        mode: its mode once in place.
        folder_mode: the mode of folders created on the way (the umask still applies).
        prefix: the temporary file's name prefix.

    Raises:
        FolderError: the folder cannot be created or written into.
        OSError: the file cannot be written, given its mode or renamed (the temporary file is removed).
    """
    folder = os.path.dirname(os.path.abspath(target))
    try:
        os.makedirs(folder, mode=folder_mode, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    except OSError as exc:
        raise FolderError(folder, exc) from exc
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
