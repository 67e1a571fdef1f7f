"""Run-time CA and server certificate for the local edge (``cryptography``), and the ssl contexts built from them."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["EdgeCertificates"]

_VALIDITY = dt.timedelta(days=2)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass(frozen=True, repr=False)
class EdgeCertificates:
    """A CA and a server certificate (SAN ``IP:127.0.0.1``, ``DNS:localhost``, ``DNS:*.localhost``) signed by it.

    Pass the same instance to a new :class:`~typed_ngrok.edge.LocalEdge` to restart an edge that a running agent
    (which loaded the CA at startup) will trust again. Keys are PEM bytes held in memory; ``repr`` hides them.
    """

    ca_pem: bytes
    ca_key_pem: bytes
    cert_pem: bytes
    key_pem: bytes

    def __repr__(self) -> str:
        return "EdgeCertificates(<run-time CA>)"

    @classmethod
    def generate(cls, common_name: str = "typed-ngrok local edge") -> EdgeCertificates:
        """Mint a fresh P-256 CA and server certificate, valid for two days."""
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{common_name} CA")])
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
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
        sans: list[x509.GeneralName] = [
            x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
            x509.DNSName("localhost"),
            x509.DNSName("*.localhost"),
        ]
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        return cls(
            ca_pem=ca.public_bytes(serialization.Encoding.PEM),
            ca_key_pem=_key_pem(ca_key),
            cert_pem=cert.public_bytes(serialization.Encoding.PEM),
            key_pem=_key_pem(key),
        )

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
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(self.key_pem)
        return ca_path, cert_path, key_path

    def server_context(self, cert_path: str | os.PathLike[str], key_path: str | os.PathLike[str]) -> ssl.SSLContext:
        """A TLS 1.2+ server context presenting the edge certificate (no client certificates, no SNI needed)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(os.fspath(cert_path), os.fspath(key_path))
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """A client context trusting only this CA (for tests and tools that talk to the https listeners)."""
        ctx = ssl.create_default_context(cadata=self.ca_pem.decode("ascii"))
        return ctx
