"""Version stamps: what typed-ngrok records beside an agent binary it installed and verified itself.

Before an agent starts, its binary's version is checked (:mod:`typed_ngrok._agent_process.binary_version`), which
costs one ``ngrok --version`` run (about 10 to 15 ms, as much as the agent's own start) per binary and process. For a
binary typed-ngrok installed after checking its checksums, the version is already known: the installer writes a stamp
``.<name>.version.json`` beside it with that version and the file's identity (size, mtime in ns, inode, device). The
check trusts a stamp only while the file still has that identity, so a binary replaced or touched afterwards is asked
again; a binary without a stamp (the user's own) is always asked.

A stamp is written only by the installers of the pinned agent (:func:`write`), never for a binary typed-ngrok did not
verify. Reading and writing never raise: a stamp that cannot be read or written is simply not used.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Final

from typed_ngrok._atomic import atomic_file
from typed_ngrok._identity import FileIdentity, path_identity

__all__ = ["read", "stamp_path", "write"]

_FORMAT: Final = 1


def stamp_path(binary: str | os.PathLike[str]) -> Path:
    """Where the stamp of ``binary`` lives (beside it; symlinks are followed to the real file)."""
    real = Path(os.path.realpath(binary))
    return real.with_name(f".{real.name}.version.json")


def write(binary: str | os.PathLike[str], version: str) -> None:
    """Record ``version`` for the verified ``binary`` as it is now (best effort: an unwritable folder is no error)."""
    identity = path_identity(binary)
    if identity is None:
        return
    text = json.dumps({"format": _FORMAT, "version": version, "identity": list(identity)})
    with contextlib.suppress(OSError), atomic_file(str(stamp_path(binary)), 0o644, prefix=".stamp-") as out:
        out.write(text.encode())


def read(binary: str | os.PathLike[str], identity: FileIdentity | None = None) -> str | None:
    """The stamped version of ``binary``, or None when it has no stamp or the file changed since it was stamped.

    ``identity``: the caller's :func:`~typed_ngrok._identity.path_identity` of ``binary``, when it has one already
    (the file is then not stat'ed again); None: read here.
    """
    if identity is None:
        identity = path_identity(binary)
    if identity is None:
        return None
    try:
        data = json.loads(stamp_path(binary).read_text())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("format") != _FORMAT or data.get("identity") != list(identity):
        return None
    version = data.get("version")
    return version if isinstance(version, str) else None
