"""Issue 14: a pip-only user (no npm on PATH) gets the pinned 2.3.41 agent from the npm registry their npm config
names, fetched with httpx and verified with the same pins as ``npm pack``; with neither npm nor a registry, the
error says what to do.

The registry is a loopback HTTP server serving the packument and the real pinned tarball that ``make agent-bin``
keeps in ``.cache/``; PATH holds no npm. Nothing but loopback is contacted."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import os
import ssl
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.integration.installer_helpers import count_opens
from tests.integration.ngrok_env import http_upstream
from tests.outside_files import CACHE
from typed_ngrok import aio, installer, ngrok
from typed_ngrok._install import version_stamp
from typed_ngrok._install.atomic import BINARY_MODE
from typed_ngrok._install.npm_agent import PINS, NpmChecksumError, install_from_tarball, npm_tarball_path
from typed_ngrok._install.npm_registry import NpmRegistry, configured_registry, fetch_from_registry
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokNgrokInstallError, PyngrokSecurityError

PIN = PINS["linux-x64"]
TARBALL = npm_tarball_path(CACHE, "linux-x64")
PACKUMENT_PATH = "/@expo%2Fngrok-bin-linux-x64"

needs_tarball = pytest.mark.skipif(
    not TARBALL.is_file() or os.uname().sysname != "Linux" or os.uname().machine != "x86_64",
    reason=f"needs the pinned npm tarball at {TARBALL} (run `make agent-bin`) on linux-x64",
)


@dataclass
class Registry:
    """What the loopback registry serves; ``hits`` records the paths asked for."""

    url: str = ""
    packument_status: int = 200
    packument_body: bytes | None = None  # None: a correct packument
    shasum: str = PIN.tarball_sha1
    tarball: bytes = b""
    hits: list[str] = field(default_factory=list)

    def packument(self) -> bytes:
        if self.packument_body is not None:
            return self.packument_body
        dist = {
            "tarball": f"{self.url}/tarballs/{PIN.tarball_name}",
            "shasum": self.shasum,
            "integrity": PIN.tarball_integrity,
        }
        return json.dumps({"name": PIN.package, "versions": {"2.3.41": {"dist": dist}}}).encode()


@pytest.fixture
def registry() -> Iterator[Registry]:
    state = Registry(tarball=TARBALL.read_bytes() if TARBALL.is_file() else b"")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits.append(self.path)
            if self.path.lower() == PACKUMENT_PATH.lower():
                status, body = state.packument_status, state.packument()
            elif self.path == f"/tarballs/{PIN.tarball_name}":
                status, body = 200, state.tarball
            else:
                status, body = 404, b'{"error":"Not found"}'
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def no_npm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """PATH without npm, a private HOME and working directory (no .npmrc of this machine), no registry variable."""
    empty = tmp_path / "bin"
    empty.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    for name in list(os.environ):
        if name.lower().startswith("npm_config_") or name == "PREFIX":
            monkeypatch.delenv(name)
    return home


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@needs_tarball
def test_install_without_npm_uses_the_configured_registry(
    no_npm: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("npm_config_registry", registry.url)
    target = tmp_path / "agent" / "ngrok-2.3.41" / "ngrok"
    installer.install_ngrok(str(target), ngrok_version="2")
    assert sha256(target) == PIN.binary_sha256
    assert os.access(target, os.X_OK)
    assert stat.S_IMODE(target.stat().st_mode) == BINARY_MODE == 0o700  # as from npm pack or ngrok's CDN
    assert registry.hits == [PACKUMENT_PATH, f"/tarballs/{PIN.tarball_name}"]
    assert leftovers(target.parent) == [".ngrok.version.json", "ngrok"]  # no staging files left behind
    assert version_stamp.read(target) == "2.3.41"  # verified here, so its start runs no `ngrok --version`


@needs_tarball
def test_the_tarball_is_read_once_for_both_checksums(tmp_path: Path) -> None:
    target = tmp_path / "ngrok"
    with count_opens(TARBALL) as opened:
        install_from_tarball(TARBALL, PIN, target)
    assert list(opened.values()) == [2]  # sha1 and sha512 in one pass, then the unpacking
    assert sha256(target) == PIN.binary_sha256
    assert stat.S_IMODE(target.stat().st_mode) == BINARY_MODE
    assert leftovers(tmp_path) == [".ngrok.version.json", "ngrok"]


@needs_tarball
def test_a_tarball_whose_binary_does_not_match_its_pin_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "agent" / "ngrok"
    wrong = dataclasses.replace(PIN, binary_sha256="0" * 64)
    with pytest.raises(NpmChecksumError, match=r"binary sha256 [0-9a-f]{64} does not match the pin 0{64}"):
        install_from_tarball(TARBALL, wrong, target)
    assert leftovers(target.parent) == []  # the unpacked file was discarded (no staging file left)


@needs_tarball
@pytest.mark.parametrize("kind", ["sync", "aio"])
def test_local_edge_alone_opens_a_tunnel_with_an_agent_from_the_registry(
    no_npm: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str
) -> None:
    (Path.cwd() / ".npmrc").write_text(f"registry={registry.url}/\n")
    monkeypatch.setenv("TYPED_NGROK_EDGE", "local")
    cfg = PyngrokConfig(
        ngrok_path=str(tmp_path / "agent" / "ngrok-2.3.41" / "ngrok"), config_path=str(tmp_path / "ngrok.yml")
    )
    assert (cfg.edge, cfg.ngrok_version, cfg.config_version) == ("local", "2", "2")

    def sync_get(port: int) -> str:
        try:
            tunnel = ngrok.connect(port, pyngrok_config=cfg)
            ca = ngrok.get_ngrok_process(cfg).ca_path
            return httpx.get(
                f"{tunnel.public_url}/through", verify=ssl.create_default_context(cafile=ca), timeout=15
            ).text
        finally:
            ngrok.kill(cfg)

    async def aio_get(port: int) -> str:
        try:
            tunnel = await aio.connect(port, pyngrok_config=cfg)
            ca = (await aio.get_ngrok_process(cfg)).ca_path
            async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=ca), timeout=15) as client:
                return (await client.get(f"{tunnel.public_url}/through")).text
        finally:
            await aio.kill(cfg)

    with http_upstream() as upstream:
        port = upstream.server_address[1]
        text = sync_get(port) if kind == "sync" else asyncio.run(aio_get(port))
    assert text == "GET /through 0"
    assert registry.hits == [PACKUMENT_PATH, f"/tarballs/{PIN.tarball_name}"]


@needs_tarball
def test_registry_404_is_a_typed_error_and_nothing_is_written(
    no_npm: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    registry.packument_status = 404
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", registry.url)
    target = tmp_path / "agent" / "ngrok"
    with pytest.raises(PyngrokNgrokInstallError, match=r"answered HTTP 404") as failed:
        installer.install_ngrok(str(target), ngrok_version="2")
    assert "$NPM_CONFIG_REGISTRY" in str(failed.value)
    assert leftovers(target.parent) == []


@pytest.mark.parametrize("body", [b"<html>not json", b"[1, 2]", b'{"versions": {"2.3.40": {}}}', b"{}"])
def test_registry_garbage_is_a_typed_error(
    no_npm: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, body: bytes
) -> None:
    registry.packument_body = body
    monkeypatch.setenv("npm_config_registry", registry.url)
    target = tmp_path / "agent" / "ngrok"
    with pytest.raises(PyngrokNgrokInstallError, match=r"did not answer JSON|lists no @expo/ngrok-bin-linux-x64"):
        installer.install_ngrok(str(target), ngrok_version="2")
    assert leftovers(target.parent) == []


@needs_tarball
def test_a_tampered_tarball_is_refused(
    no_npm: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    registry.tarball = registry.tarball[:-1] + bytes([registry.tarball[-1] ^ 1])
    monkeypatch.setenv("npm_config_registry", registry.url)
    target = tmp_path / "agent" / "ngrok"
    with pytest.raises(PyngrokSecurityError, match=r"tarball sha1 [0-9a-f]{40} does not match the pin"):
        installer.install_ngrok(str(target), ngrok_version="2")
    assert leftovers(target.parent) == []


def test_a_registry_announcing_other_checksums_is_refused_before_downloading(
    no_npm: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    registry.shasum = "0" * 40
    monkeypatch.setenv("npm_config_registry", registry.url)
    with pytest.raises(PyngrokSecurityError, match=r"announces @expo/ngrok-bin-linux-x64@2\.3\.41 with shasum 0{40}"):
        installer.install_ngrok(str(tmp_path / "ngrok"), ngrok_version="2")
    assert registry.hits == [PACKUMENT_PATH]


def test_neither_npm_nor_a_registry_says_what_to_do(no_npm: Path, tmp_path: Path) -> None:
    with pytest.raises(PyngrokNgrokInstallError) as failed:
        installer.install_ngrok(str(tmp_path / "ngrok"), ngrok_version="2")
    message = str(failed.value)
    assert "'npm' is not on PATH and no npm registry is configured" in message
    assert "install Node.js with npm" in message
    assert "npm_config_registry=https://registry.npmjs.org/" in message
    assert "PyngrokConfig(ngrok_path=...)" in message
    assert not (tmp_path / "ngrok").exists()


def test_an_https_registry_is_never_followed_to_http(tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        dist = {
            "tarball": "http://mirror.invalid/t.tgz",
            "shasum": PIN.tarball_sha1,
            "integrity": PIN.tarball_integrity,
        }
        return httpx.Response(200, json={"versions": {"2.3.41": {"dist": dist}}})

    with pytest.raises(PyngrokSecurityError, match=r"refusing the tarball http://mirror\.invalid/t\.tgz"):
        fetch_from_registry(
            NpmRegistry("https://registry.invalid/", "test"),
            tmp_path / "ngrok",
            platform_key="linux-x64",
            transport=httpx.MockTransport(answer),
        )


def test_an_https_registry_redirecting_its_packument_to_http_is_refused_before_the_request(tmp_path: Path) -> None:
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        if request.url.scheme == "https":
            return httpx.Response(302, headers={"Location": "http://mirror.invalid/@expo%2Fngrok-bin-linux-x64"})
        return httpx.Response(200, json={})

    with pytest.raises(PyngrokSecurityError, match=r"refusing the redirect of https://registry\.invalid/ to http://"):
        fetch_from_registry(
            NpmRegistry("https://registry.invalid/", "test"),
            tmp_path / "ngrok",
            platform_key="linux-x64",
            transport=httpx.MockTransport(answer),
        )
    assert asked == ["https://registry.invalid/@expo%2Fngrok-bin-linux-x64"]  # the http hop was never sent


# -- which registry npm's configuration names --


def test_registry_precedence(tmp_path: Path) -> None:
    cwd, home, prefix = tmp_path / "project", tmp_path / "home", tmp_path / "prefix"
    for folder in (cwd, home, prefix / "etc"):
        folder.mkdir(parents=True)
    env = {"PREFIX": str(prefix), "MIRROR": "mirror.example"}
    assert configured_registry(env, str(cwd), str(home)) is None
    (prefix / "etc" / "npmrc").write_text("registry=https://global.example/\n")
    found = configured_registry(env, str(cwd), str(home))
    assert found == NpmRegistry("https://global.example/", f"registry= in {prefix / 'etc' / 'npmrc'}")
    (home / ".npmrc").write_text('; comment\nfund=false\nregistry = "https://${MIRROR}/npm/"\n')
    assert configured_registry(env, str(cwd), str(home)) == NpmRegistry(
        "https://mirror.example/npm/", f"registry= in {home / '.npmrc'}"
    )
    (cwd / ".npmrc").write_text("registry=https://project.example/\n")
    assert configured_registry(env, str(cwd), str(home)).url == "https://project.example/"  # type: ignore[union-attr]
    env["npm_config_REGISTRY"] = "https://env.example/"
    assert configured_registry(env, str(cwd), str(home)) == NpmRegistry("https://env.example/", "$npm_config_REGISTRY")
    (prefix / "etc" / "npmrc").write_text("@expo:registry=https://scoped.example/\n")  # the scope wins over registry
    assert configured_registry(env, str(cwd), str(home)).url == "https://scoped.example/"  # type: ignore[union-attr]


def test_user_and_global_config_locations_from_the_environment(tmp_path: Path) -> None:
    user, glob = tmp_path / "u.npmrc", tmp_path / "g.npmrc"
    glob.write_text("registry=https://g.example/\n")
    env = {"npm_config_userconfig": str(user), "npm_config_globalconfig": str(glob)}
    assert configured_registry(env, str(tmp_path), str(tmp_path / "nohome")).url == "https://g.example/"  # type: ignore[union-attr]
    user.write_text("registry=https://u.example/\n")
    assert configured_registry(env, str(tmp_path), str(tmp_path / "nohome")).url == "https://u.example/"  # type: ignore[union-attr]
