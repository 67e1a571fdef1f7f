"""Redirect policy of the downloader (an httpx.MockTransport stands in for a TLS server we cannot run offline)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from typed_ngrok._install import download as _download
from typed_ngrok.exception import PyngrokSecurityError


def test_https_to_http_downgrade_is_refused_before_sending(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://cdn.invalid/ngrok.tgz"})

    with pytest.raises(PyngrokSecurityError, match="redirect"):
        _download.download(
            "https://cdn.invalid/ngrok.tgz", str(tmp_path), transport=httpx.MockTransport(handler), progress=False
        )
    assert seen == ["https://cdn.invalid/ngrok.tgz"]
    assert list(tmp_path.iterdir()) == []


def test_https_to_https_redirect_is_followed(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/a.tgz":
            return httpx.Response(302, headers={"Location": "https://mirror.invalid/b.tgz"})
        return httpx.Response(200, stream=httpx.ByteStream(b"archive"))

    result = _download.download(
        "https://cdn.invalid/a.tgz", str(tmp_path), transport=httpx.MockTransport(handler), progress=False
    )
    assert Path(result.path).read_bytes() == b"archive"
    assert (result.size, result.attempts) == (7, 1)


def test_verify_must_be_tls_setting(tmp_path: Path) -> None:
    from typed_ngrok.exception import PyngrokNgrokInstallError

    with pytest.raises(PyngrokNgrokInstallError, match="verify"):
        _download.download("https://cdn.invalid/a.tgz", str(tmp_path), verify=42, progress=False)
