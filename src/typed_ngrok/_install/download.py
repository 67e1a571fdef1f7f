"""Download an agent archive, verify it, unpack only the binary, and install it atomically.

- :func:`download`: http/https only (the scheme is parsed, redirects included, and https never downgrades to
  http), an explicit timeout per network operation plus an optional wall-clock limit, retries with exponential backoff
  on timeouts, transport errors and 5xx answers, a size cap, sha256 computed while streaming (checked against a pin
  when one is given, logged at INFO otherwise), and a progress line on stderr only when stderr is a terminal.
- :func:`extract_binary`: zip or gzipped tar, recognised by content. The whole archive is checked first: absolute
  paths, ``..`` components, links, devices and oversized members are refused, even when they are not the binary.
  Only ``ngrok``/``ngrok.exe`` is read, streamed into the caller's file; nothing is ever extracted to disk by name.
- :func:`atomic_install`: the binary is written to a temporary file next to its destination, made executable,
  flushed, then renamed over it. A failed or interrupted install leaves the previous binary (if any) untouched.

Failures raise :class:`~typed_ngrok.exception.PyngrokNgrokInstallError` (cause chained) or, for a refused scheme or a
checksum mismatch, :class:`~typed_ngrok.exception.PyngrokSecurityError`.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import posixpath
import shutil
import stat
import sys
import tarfile
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Final
from urllib.parse import urlsplit

import httpx

from typed_ngrok._install.atomic import atomic_install
from typed_ngrok._shapes import check_http_url
from typed_ngrok.exception import PyngrokNgrokInstallError, PyngrokSecurityError

__all__ = [
    "BINARY_NAMES",
    "MAX_ARCHIVE_BYTES",
    "MAX_BINARY_BYTES",
    "DownloadResult",
    "ProgressCallback",
    "atomic_install",
    "copy_into",
    "download",
    "extract_binary",
    "guarded_client",
]

logger = logging.getLogger("typed_ngrok.installer")

BINARY_NAMES: Final = ("ngrok", "ngrok.exe")
MAX_ARCHIVE_BYTES: Final = 256 * 1024 * 1024
MAX_BINARY_BYTES: Final = 256 * 1024 * 1024
_CHUNK: Final = 64 * 1024
_ALLOWED_SCHEMES: Final = ("http", "https")

#: ``progress(received_bytes, total_bytes_or_None)``.
ProgressCallback = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class DownloadResult:
    path: str
    sha256: str
    size: int
    attempts: int


class _Retryable(Exception):
    """One attempt failed in a way worth retrying (timeout, transport error, 5xx)."""


def _tty_progress() -> ProgressCallback | None:
    stream = sys.stderr
    try:
        if stream is None or not stream.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    last = [-1]

    def show(received: int, total: int | None) -> None:
        if total:
            percent = min(100, received * 100 // total)
            if percent == last[0]:
                return
            last[0] = percent
            text = f"Downloading ngrok: {percent}%"
        else:
            text = f"Downloading ngrok: {received // 1024} KiB"
        with contextlib.suppress(OSError, ValueError):
            stream.write(f"\r{text}\x1b[K")
            if total and received >= total:
                stream.write("\n")
            stream.flush()

    return show


def _resolve_progress(progress: bool | ProgressCallback | None) -> ProgressCallback | None:
    if progress is None:
        return _tty_progress()
    if progress is True:
        return _tty_progress()
    if progress is False:
        return None
    return progress


def _attempt(
    client: httpx.Client,
    url: str,
    dest: str,
    *,
    max_bytes: int,
    total_timeout: float | None,
    progress: ProgressCallback | None,
) -> tuple[str, int]:
    """One GET streamed into ``dest``: returns (sha256, size)."""
    started = time.monotonic()
    digest = hashlib.sha256()
    size = 0
    try:
        with client.stream("GET", url) as response:
            final = response.url
            status = response.status_code
            if status >= 500:
                raise _Retryable(f"HTTP {status} from {final}")
            if status != 200:
                raise PyngrokNgrokInstallError(f"Download failed, status code: {status}")
            total: int | None = None
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit():
                total = int(length)
                if total > max_bytes:
                    raise PyngrokNgrokInstallError(f"the download is {total} bytes, more than the {max_bytes} allowed")
            with open(dest, "wb") as out:
                for chunk in response.iter_raw():
                    size += len(chunk)
                    if size > max_bytes:
                        raise PyngrokNgrokInstallError(f"the download exceeds the {max_bytes} bytes allowed")
                    if total_timeout is not None and time.monotonic() - started > total_timeout:
                        raise _Retryable(f"the download took longer than {total_timeout:g} s")
                    digest.update(chunk)
                    out.write(chunk)
                    if progress is not None:
                        progress(size, total)
            if total is not None and size != total:
                raise _Retryable(f"the download ended after {size} of {total} bytes")
    except httpx.UnsupportedProtocol as exc:  # a redirect to file:, ftp:, ...
        raise PyngrokSecurityError(f"refusing a redirect of {url} to a non-http(s) URL: {exc}") from exc
    except httpx.TimeoutException as exc:
        raise _Retryable(f"timed out ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
    except (httpx.HTTPError, httpx.StreamError) as exc:  # e.g. too many redirects
        raise PyngrokNgrokInstallError(f"{type(exc).__name__}: {exc}") from exc
    except OSError as exc:
        raise PyngrokNgrokInstallError(f"cannot write {dest}: {exc}") from exc
    return digest.hexdigest(), size


def guarded_client(
    url: str,
    *,
    timeout: float,
    transport: httpx.BaseTransport | None = None,
    verify: object = True,
    headers: dict[str, str] | None = None,
) -> httpx.Client:
    """The one httpx client for install downloads starting at ``url``: redirects are followed (at most 5), but a hop
    to a non-http(s) URL, or from an https ``url`` to anything but https, is refused before it is sent.

    The refusal is a :class:`~typed_ngrok.exception.PyngrokSecurityError` raised out of the request.
    """
    downgrade_from_https = urlsplit(url).scheme.lower() == "https"

    def refuse_insecure_hop(request: httpx.Request) -> None:
        # Runs before every request, redirects included: nothing is sent to a refused or downgraded URL.
        if request.url.scheme not in _ALLOWED_SCHEMES or (downgrade_from_https and request.url.scheme != "https"):
            raise PyngrokSecurityError(f"refusing the redirect of {url} to {request.url}")

    return httpx.Client(
        event_hooks={"request": [refuse_insecure_hop]},
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        max_redirects=5,
        headers=headers,
        transport=transport,
        verify=verify,  # type: ignore[arg-type]  # checked by the caller (download)
    )


def download(
    url: str,
    dest_dir: str,
    *,
    timeout: float = 6,
    retries: int = 0,
    backoff: float = 0.5,
    max_backoff: float = 8.0,
    total_timeout: float | None = None,
    sha256: str | None = None,
    max_bytes: int = MAX_ARCHIVE_BYTES,
    progress: bool | ProgressCallback | None = None,
    transport: httpx.BaseTransport | None = None,
    verify: object = True,
    sleep: Callable[[float], None] = time.sleep,
) -> DownloadResult:
    """Download ``url`` into ``dest_dir`` (named after the URL's last path segment) and return what was saved.

    Attempts = ``retries + 1``; the wait before retry ``n`` (0-based) is ``min(backoff * 2**n, max_backoff)``.
    Timeouts, transport errors, truncated bodies and 5xx answers are retried; other statuses and a checksum mismatch
    are not.

    Raises:
        PyngrokSecurityError: for a non-http(s) URL or redirect, or when ``sha256`` does not match.
        PyngrokNgrokInstallError: when every attempt failed (the last cause is chained).
    """
    check_http_url(url)
    name = posixpath.basename(urlsplit(url).path) or "download"
    if name in (".", "..") or "\\" in name:
        name = "download"
    dest = os.path.join(dest_dir, name)
    show = _resolve_progress(progress)
    if not isinstance(verify, bool | str) and not hasattr(verify, "wrap_socket"):
        raise PyngrokNgrokInstallError(f"verify must be a bool, a CA bundle path or an ssl.SSLContext, not {verify!r}")
    client = guarded_client(
        url, timeout=timeout, transport=transport, verify=verify, headers={"Accept-Encoding": "identity"}
    )
    attempts = 0
    last: BaseException | None = None
    with client:
        for attempt in range(max(0, retries) + 1):
            attempts += 1
            logger.debug("Downloading ngrok from %s (attempt %d of %d) ...", url, attempts, retries + 1)
            try:
                digest, size = _attempt(
                    client, url, dest, max_bytes=max_bytes, total_timeout=total_timeout, progress=show
                )
            except _Retryable as exc:
                last = exc
                if attempt < retries:
                    delay = min(backoff * (2**attempt), max_backoff)
                    logger.warning("ngrok download failed (%s), retrying in %.2g s ...", exc, delay)
                    sleep(delay)
                continue
            logger.info("Downloaded %s (%d bytes, sha256 %s)", url, size, digest)
            if sha256 is not None and digest.lower() != sha256.strip().lower():
                with contextlib.suppress(OSError):
                    os.unlink(dest)
                raise PyngrokSecurityError(f"the sha256 of {url} is {digest}, but {sha256} was pinned")
            return DownloadResult(dest, digest, size, attempts)
    with contextlib.suppress(OSError):
        os.unlink(dest)
    cause = None if last is None else (last.__cause__ or last)
    raise PyngrokNgrokInstallError(f"giving up after {attempts} attempt(s): {last}") from cause


def _bad_name(name: str) -> str | None:
    """Why an archive member name is refused, or None when it is harmless."""
    if not name or "\x00" in name:
        return "an empty or NUL-containing name"
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        return "an absolute path"
    if ".." in normalized.split("/"):
        return "a '..' path component"
    return None


def _binary_member_name(name: str) -> bool:
    normalized = name.replace("\\", "/")
    while normalized.startswith("./"):
        normalized = normalized[2:]
    return normalized in BINARY_NAMES


def _refuse(archive: str, member: str, why: str) -> PyngrokNgrokInstallError:
    return PyngrokNgrokInstallError(f"refusing the archive {os.path.basename(archive)}: member {member!r} is {why}")


def _copy_capped(source: IO[bytes], out: IO[bytes], limit: int, archive: str, member: str) -> None:
    copied = 0
    while chunk := source.read(_CHUNK):
        copied += len(chunk)
        if copied > limit:
            raise _refuse(archive, member, f"larger than {limit} bytes")
        out.write(chunk)
    if copied == 0:
        raise _refuse(archive, member, "empty")


def _extract_zip(archive: str, out: IO[bytes], max_member: int) -> str:
    with zipfile.ZipFile(archive) as zf:
        chosen: zipfile.ZipInfo | None = None
        for info in zf.infolist():
            why = _bad_name(info.filename)
            mode = info.external_attr >> 16
            if why is None and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
                why = "a link or special file"
            if why is None and info.file_size > max_member:
                why = f"larger than {max_member} bytes"
            if why is not None:
                raise _refuse(archive, info.filename, why)
            if not info.is_dir() and _binary_member_name(info.filename):
                if chosen is not None:
                    raise _refuse(archive, info.filename, "a second copy of the binary")
                chosen = info
        if chosen is None:
            raise PyngrokNgrokInstallError(f"the archive {os.path.basename(archive)} holds no ngrok binary")
        with zf.open(chosen) as source:
            _copy_capped(source, out, max_member, archive, chosen.filename)
        return chosen.filename


def _extract_tar(archive: str, out: IO[bytes], max_member: int) -> str:
    with tarfile.open(archive, mode="r:*") as tf:
        chosen: tarfile.TarInfo | None = None
        for info in tf:
            why = _bad_name(info.name)
            if why is None and (info.issym() or info.islnk()):
                why = "a link"
            if why is None and not (info.isreg() or info.isdir()):
                why = "a device, fifo or other special file"
            if why is None and info.size > max_member:
                why = f"larger than {max_member} bytes"
            if why is not None:
                raise _refuse(archive, info.name, why)
            if info.isreg() and _binary_member_name(info.name):
                if chosen is not None:
                    raise _refuse(archive, info.name, "a second copy of the binary")
                chosen = info
        if chosen is None:
            raise PyngrokNgrokInstallError(f"the archive {os.path.basename(archive)} holds no ngrok binary")
        source = tf.extractfile(chosen)
        if source is None:
            raise _refuse(archive, chosen.name, "unreadable")
        with source:
            _copy_capped(source, out, max_member, archive, chosen.name)
        return chosen.name


def extract_binary(archive: str, out: IO[bytes], *, max_member: int = MAX_BINARY_BYTES) -> str:
    """Check every member of the zip or tgz ``archive``, then copy its ``ngrok``/``ngrok.exe`` into ``out``.

    Returns the member's name.

    Raises:
        PyngrokNgrokInstallError: for an unknown format, a corrupt or truncated archive, a hostile member
            (absolute path, ``..``, link, device, oversized), no binary, or two binaries.
    """
    try:
        with open(archive, "rb") as fh:
            magic = fh.read(4)
        if magic.startswith(b"PK\x03\x04") or magic.startswith(b"PK\x05\x06"):
            return _extract_zip(archive, out, max_member)
        if magic.startswith(b"\x1f\x8b") or archive.endswith((".tgz", ".tar.gz", ".tar")):
            return _extract_tar(archive, out, max_member)
    except PyngrokNgrokInstallError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise PyngrokNgrokInstallError(
            f"cannot unpack {os.path.basename(archive)}: {type(exc).__name__}: {exc}"
        ) from exc
    raise PyngrokNgrokInstallError(f"Unsupported archive format: {os.path.basename(archive)}")


def copy_into(source: str, out: IO[bytes]) -> None:
    """Copy the file at ``source`` into ``out`` (for installing an already-verified binary)."""
    with open(source, "rb") as fh:
        shutil.copyfileobj(fh, out, _CHUNK)
