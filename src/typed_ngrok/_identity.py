"""A file's identity: the one key typed-ngrok uses to tell whether a file it read before is still the same file.

``(size, mtime in ns, inode, device)``: the parsed config-file cache, the cache of binary versions and the version
stamps beside verified binaries all compare it, so an edit, a touch or a replacement (another inode, or another
device behind the same path) is always seen. Standard library only (the stamp is written by ``scripts/fetch_agent.py``
before any virtual environment exists).
"""

from __future__ import annotations

import os

__all__ = ["FileIdentity", "identity_of", "path_identity"]

#: ``(st_size, st_mtime_ns, st_ino, st_dev)``.
FileIdentity = tuple[int, int, int, int]


def identity_of(st: os.stat_result) -> FileIdentity:
    """The identity in a ``stat``/``fstat`` result."""
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def path_identity(path: str | os.PathLike[str]) -> FileIdentity | None:
    """The identity of the file at ``path`` (symlinks followed), or None when it cannot be stat'ed."""
    try:
        return identity_of(os.stat(path))
    except OSError:
        return None
