"""Check an agent binary's version before starting it (both twins; the I/O is one ``ngrok --version`` run).

A v2 binary given a v3 config (or a v3 binary given ``ngrok_version="2"``) would start, fail to read its config or
reach its edge, and keep the caller waiting for the whole ``startup_timeout``. :func:`version_check_flow` runs
``<ngrok_path> --version`` once per binary (cached by path, mtime, size and inode in
:data:`~typed_ngrok._agent_process.state.binary_versions`, so a replaced binary is asked again), compares the major
version with ``PyngrokConfig.ngrok_version``, and refuses a mismatch at once, naming both and what to do.

A binary whose answer is not ``ngrok version X.Y.Z`` (a wrapper, a stand-in) is started as before: only a version
that is known and wrong is refused. A binary that does not answer within :data:`VERSION_TIMEOUT` is refused.

The flow yields ``Call("run_version", (path, timeout))``; the shells (``sync.VersionProbe``, ``aio.AsyncVersionProbe``)
run the command with the agent's stripped environment, its output going to a temporary file (so the wait ends when
the binary exits, even if a child of it keeps running), and return ``(returncode, output)``, raising
:class:`TimeoutError` when it did not finish in time (after killing it) or :class:`OSError` when it could not run.
"""

from __future__ import annotations

import logging
import re
from typing import Final, cast

from typed_ngrok._agent_process import state
from typed_ngrok._agent_process.commands import VERSION_ARGS
from typed_ngrok._drive import Call, Flow
from typed_ngrok._identity import path_identity
from typed_ngrok._install import version_stamp
from typed_ngrok.conf import DEFAULT_NGROK_V2_PATH, PyngrokConfig
from typed_ngrok.exception import PyngrokNgrokError

__all__ = [
    "VERSION_ARGS",
    "VERSION_OUTPUT_LIMIT",
    "VERSION_TIMEOUT",
    "mismatch_error",
    "parse_version_output",
    "probe_flow",
    "version_check_flow",
]

logger = logging.getLogger("typed_ngrok.process")

#: Seconds a binary has to answer ``--version`` (2.3.41 answers in about 10 ms).
VERSION_TIMEOUT: Final = 5.0
#: The most bytes of the answer read (``ngrok version 2.3.41`` is 21).
VERSION_OUTPUT_LIMIT: Final = 4096
_VERSION_LINE: Final = re.compile(r"^ngrok version v?(\d+)\.(\d+)\.(\d+)\S*$")


def parse_version_output(returncode: int | None, raw: bytes) -> str | None:
    """``"2.3.41"`` from ``ngrok version 2.3.41`` (exit code 0, one line); None for any other answer."""
    if returncode != 0:
        return None
    text = raw.decode("utf-8", "replace").strip()
    match = _VERSION_LINE.fullmatch(text)
    return ".".join(match.groups()) if match else None


def mismatch_error(pyngrok_config: PyngrokConfig, version: str) -> PyngrokNgrokError | None:
    """The error for a binary of ``version`` run with ``pyngrok_config``, or None when its major version fits."""
    cfg = pyngrok_config
    wanted = str(cfg.ngrok_version)
    major = version.split(".", 1)[0]
    if major == wanted:
        return None
    head = (
        f'the ngrok binary at {cfg.ngrok_path} is ngrok {version}, but this PyngrokConfig has ngrok_version="{wanted}" '
        f'(config_version="{cfg.config_version}", edge="{cfg.edge}")'
    )
    if major == "2":
        return PyngrokNgrokError(
            f"{head}: an ngrok 2 agent cannot read a v3 config and would wait out startup_timeout. Set "
            'ngrok_version="2" and config_version="2" (edge="local" selects both), or point ngrok_path at an ngrok 3 '
            "binary."
        )
    if wanted == "2":
        return PyngrokNgrokError(
            f'{head}: ngrok_version="2" (and edge="local") runs the pinned ngrok 2.3.41 agent. Pass ngrok_path of '
            f"a 2.3.41 binary, or leave ngrok_path unset so ngrok.install_ngrok() installs 2.3.41 at "
            f'{DEFAULT_NGROK_V2_PATH}; for this binary use ngrok_version="3" with edge="ngrok".'
        )
    return PyngrokNgrokError(f"{head}: typed-ngrok drives ngrok 2.3.41 and ngrok 3; set ngrok_version to match.")


def probe_flow(path: str) -> Flow[str | None]:
    """The one probe of a binary's version (the start's check and ``typed-ngrok version``): ``"2.3.41"``, or None when
    its answer is not ``ngrok version X.Y.Z``; cached by path and the file's identity (size, mtime, inode, device:
    :mod:`typed_ngrok._identity`, stat'ed once here). A binary typed-ngrok installed and verified carries a version
    stamp (:mod:`typed_ngrok._install.version_stamp`, checked against that same identity) and is not run at all.

    Raises:
        PyngrokNgrokError: the binary did not answer within :data:`VERSION_TIMEOUT`, or it could not be run.
    """
    key = path_identity(path)
    version: str | None
    with state.binary_versions_lock:
        cached = state.binary_versions.get(path)
    if key is not None and cached is not None and cached[0] == key:
        version = cached[1]
    elif key is not None and (stamped := version_stamp.read(path, key)) is not None:
        version = stamped  # a binary typed-ngrok installed and verified, unchanged since (no command to run)
        with state.binary_versions_lock:
            state.binary_versions[path] = (key, version)
    else:
        try:
            answer = yield Call("run_version", (path, VERSION_TIMEOUT))
        except TimeoutError:
            raise PyngrokNgrokError(
                f"the ngrok binary at {path} did not answer '{' '.join(VERSION_ARGS)}' within {VERSION_TIMEOUT:g} "
                "seconds: is it an ngrok agent?"
            ) from None
        except OSError as exc:
            from typed_ngrok._errors import run_error

            raise run_error(path, exc, start=True) from exc
        returncode, raw = cast("tuple[int | None, bytes]", answer)  # what the shells return
        version = parse_version_output(returncode, raw)
        if key is not None:
            with state.binary_versions_lock:
                state.binary_versions[path] = (key, version)
    return version


def version_check_flow(pyngrok_config: PyngrokConfig) -> Flow[str | None]:
    """Refuse ``pyngrok_config.ngrok_path`` when its version does not match ``ngrok_version``; return its version
    (None when the binary did not tell it).

    Raises:
        PyngrokNgrokError: the versions do not match, the binary did not answer within :data:`VERSION_TIMEOUT`, or it
            could not be run.
    """
    path = pyngrok_config.ngrok_path
    version = yield from probe_flow(path)
    if version is None:
        logger.debug("%s did not report an ngrok version: starting it without the version check", path)
        return None
    error = mismatch_error(pyngrok_config, version)
    if error is not None:
        raise error
    return version
