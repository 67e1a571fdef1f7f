"""Run-time certificates for the local edge (``cryptography``), and the ssl contexts built from them.

Two TLS faces, two keys:

- The **public** https listeners present a P-256 server certificate signed by a run-time P-256 CA (``ca.pem``): the
  most widely accepted choice for the clients users point at a tunnel.
- The **agent link** (the port the ngrok agent dials) presents a self-signed Ed25519 certificate that the agent's
  ``root_cas``/``connect_cas`` file holds directly (Go accepts a trusted certificate as a chain of its own). Go
  before 1.19 (ngrok 2.3.41 among them) builds its P-256 tables on first use, which cost about 4-5 ms of CPU inside
  every freshly started agent's first handshake; Ed25519 needs none of that, so an agent reaches the edge that much
  sooner.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["EdgeCertificates"]

_VALIDITY = dt.timedelta(days=2)
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


def _key_pem(key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _loopback_sans() -> list[x509.GeneralName]:
    return [
        x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
        x509.DNSName("localhost"),
        x509.DNSName("*.localhost"),
    ]


def _builder(
    subject: x509.Name, issuer: x509.Name, key: PublicKey, now: dt.datetime, validity: dt.timedelta = _VALIDITY
) -> x509.CertificateBuilder:
    """Subject, issuer, key, a random serial and the validity window (five minutes back, two days ahead)."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + validity)
    )


def _server_leaf(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    """A server certificate's extensions: not a CA, the loopback SANs, serverAuth."""
    return (
        builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(_loopback_sans()), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    )


def _agent_link(now: dt.datetime, common_name: str, validity: dt.timedelta = _VALIDITY) -> tuple[bytes, bytes]:
    """A self-signed Ed25519 server certificate for the agent link (PEM certificate, PEM key)."""
    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{common_name} (agent link)")])
    cert = _server_leaf(_builder(name, name, key.public_key(), now, validity)).sign(
        key, None
    )  # Ed25519: no separate hash
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


@dataclass(frozen=True, repr=False)
class EdgeCertificates:
    """A CA and a server certificate (SAN ``IP:127.0.0.1``, ``DNS:localhost``, ``DNS:*.localhost``) signed by it, for
    the https listeners; and the agent link's self-signed Ed25519 certificate (same SANs).

    Pass the same instance to a new :class:`~typed_ngrok.edge.LocalEdge` to restart an edge that a running agent
    (which loaded its trust file at startup) will trust again. Keys are PEM bytes held in memory; ``repr`` hides
    them. Without ``agent_cert_pem``/``agent_key_pem`` the agent link presents the CA-signed certificate too.
    """

    ca_pem: bytes
    ca_key_pem: bytes
    cert_pem: bytes
    key_pem: bytes
    agent_cert_pem: bytes = b""
    agent_key_pem: bytes = b""

    def __repr__(self) -> str:
        return "EdgeCertificates(<run-time CA>)"

    @classmethod
    def generate(cls, common_name: str = "typed-ngrok local edge", *, valid_days: int = 2) -> EdgeCertificates:
        """Mint a fresh P-256 CA and server certificate and an Ed25519 agent-link certificate, valid for
        ``valid_days`` (two by default)."""
        now = dt.datetime.now(dt.UTC)
        validity = dt.timedelta(days=valid_days)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{common_name} CA")])
        ca = (
            _builder(ca_name, ca_name, ca_key.public_key(), now, validity)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        leaf_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
        cert = (
            _server_leaf(_builder(leaf_name, ca_name, key.public_key(), now, validity))
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        agent_cert_pem, agent_key_pem = _agent_link(now, common_name, validity)
        return cls(
            ca_pem=ca.public_bytes(serialization.Encoding.PEM),
            ca_key_pem=_key_pem(ca_key),
            cert_pem=cert.public_bytes(serialization.Encoding.PEM),
            key_pem=_key_pem(key),
            agent_cert_pem=agent_cert_pem,
            agent_key_pem=agent_key_pem,
        )

    def valid_for(self) -> dt.timedelta:
        """How long the CA (and so every certificate it signed here) stays valid from now."""
        ca = x509.load_pem_x509_certificate(self.ca_pem)
        return ca.not_valid_after_utc - dt.datetime.now(dt.UTC)

    def write(self, directory: str | os.PathLike[str]) -> tuple[Path, Path, Path]:
        """Write ``ca.pem``, ``edge.pem`` (chain) and ``edge.key`` (mode 0600) into ``directory``.

        Returns the three paths. Raises ``OSError``.
        """
        folder = Path(directory)
        ca_path = folder / "ca.pem"
        cert_path = folder / "edge.pem"
        key_path = folder / "edge.key"
        ca_path.write_bytes(self.ca_pem)
        cert_path.write_bytes(self.cert_pem + self.ca_pem)
        _write_private(key_path, self.key_pem)
        return ca_path, cert_path, key_path

    def write_agent_link(self, directory: str | os.PathLike[str]) -> tuple[Path, Path, Path]:
        """Write the agent link's files into ``directory``: the file the agent trusts, the certificate the edge
        presents to it, and its key (mode 0600).

        Returns the three paths: ``agent.pem`` twice and ``agent.key``; without an agent-link certificate, what
        :meth:`write` returns (the CA, the CA-signed chain and its key). Raises ``OSError``.
        """
        if not (self.agent_cert_pem and self.agent_key_pem):
            return self.write(directory)
        folder = Path(directory)
        cert_path = folder / "agent.pem"
        key_path = folder / "agent.key"
        cert_path.write_bytes(self.agent_cert_pem)
        _write_private(key_path, self.agent_key_pem)
        return cert_path, cert_path, key_path

    def server_context(self, cert_path: str | os.PathLike[str], key_path: str | os.PathLike[str]) -> ssl.SSLContext:
        """A TLS 1.2+ server context presenting the edge certificate (no client certificates, no SNI needed)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(os.fspath(cert_path), os.fspath(key_path))
        return ctx

    def public_context(self, cert_path: str | os.PathLike[str], key_path: str | os.PathLike[str]) -> ssl.SSLContext:
        """The https listeners' context: the shared ``localhost``/``127.0.0.1`` certificate, and for any other name
        a client asks for by SNI (``app.localhost``, a custom hostname or domain) a certificate for exactly that
        name, minted on first use by this CA and cached, so every https URL the edge hands out verifies against
        ``ca.pem``."""
        ctx = self.server_context(cert_path, key_path)
        ctx.sni_callback = _HostCertificates(self).select
        return ctx

    def host_certificate(self, host: str) -> tuple[bytes, bytes]:
        """A server certificate for ``host`` alone (PEM chain with the CA, PEM key), signed by this CA."""
        ca = x509.load_pem_x509_certificate(self.ca_pem)
        ca_key = serialization.load_pem_private_key(self.ca_key_pem, None)
        if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
            raise ValueError("the CA key is not an EC key")
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
        cert = (
            _builder(name, ca.subject, key.public_key(), now, ca.not_valid_after_utc - now)  # ends with the CA
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM) + self.ca_pem, _key_pem(key)

    def client_context(self) -> ssl.SSLContext:
        """A client context trusting only this CA (for tests and tools that talk to the https listeners)."""
        ctx = ssl.create_default_context(cadata=self.ca_pem.decode("ascii"))
        return ctx


_HOST_RE = re.compile(r"(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*")
_HOST_CACHE_LIMIT = 1024


class _HostCertificates:
    """The SNI callback of the https listeners: a per-host context for names other than the shared certificate's."""

    def __init__(self, certs: EdgeCertificates) -> None:
        self._certs = certs
        self._contexts: dict[str, ssl.SSLContext] = {}

    def select(self, sslobj: ssl.SSLObject, server_name: str | None, _ctx: ssl.SSLContext) -> None:
        host = (server_name or "").lower().rstrip(".")
        if not host or host == "localhost" or not _HOST_RE.fullmatch(host):
            return None  # the shared certificate (IP literals send no SNI)
        ctx = self._contexts.get(host)
        if ctx is None:
            try:
                ctx = termination_context(*self._certs.host_certificate(host))
            except (ValueError, OSError, ssl.SSLError):
                return None
            if len(self._contexts) >= _HOST_CACHE_LIMIT:
                self._contexts.pop(next(iter(self._contexts)))
            self._contexts[host] = ctx
        sslobj.context = ctx
        return None


def termination_context(cert_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    """A TLS 1.2+ server context presenting a client-supplied certificate chain and key (TLS termination of a tls
    bind). The PEMs pass through a private temporary folder (``ssl`` loads only files). Raises ``ssl.SSLError``."""
    with tempfile.TemporaryDirectory(prefix="typed-ngrok-term-") as folder:
        cert_path = Path(folder) / "cert.pem"
        key_path = Path(folder) / "key.pem"
        _write_private(cert_path, cert_pem)
        _write_private(key_path, key_pem)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(cert_path, key_path)
        return ctx


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
