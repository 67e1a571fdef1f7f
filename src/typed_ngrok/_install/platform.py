"""Platform facts for the installer and the default paths (standard library only, never raises).

pyngrok computes its default paths at import and raises on an unsupported OS (docs/pyngrok-differences.md item 23).
Here the lookups return ``None`` for an unknown system, and only :mod:`typed_ngrok.installer` turns that into an
error, when a download is actually attempted.
"""

from __future__ import annotations

import os
import platform

__all__ = [
    "PINNED_V2_VERSION",
    "UNIX_SYSTEMS",
    "default_ngrok_dir",
    "detect_arch",
    "detect_system",
    "ngrok_bin_name",
    "pinned_v2_path",
]

UNIX_SYSTEMS = ("darwin", "linux", "freebsd")
#: The v2 agent typed-ngrok installs (from its pinned npm package) and runs with the local edge.
PINNED_V2_VERSION = "2.3.41"


def detect_system(name: str | None = None) -> str | None:
    """``darwin`` / ``windows`` (incl. cygwin and mingw) / ``linux`` / ``freebsd``, or None when unsupported."""
    system = (platform.system() if name is None else name).replace(" ", "").lower()
    if system.startswith("darwin"):
        return "darwin"
    if system.startswith(("windows", "cygwin", "ming")):
        return "windows"
    if system.startswith("linux"):
        return "linux"
    if system.startswith("freebsd"):
        return "freebsd"
    return None


def detect_arch(machine: str | None = None) -> str:
    """ngrok's architecture key: ``s390x``/``ppc64``/``ppc64le`` as is, else ``x86_64``/``i386`` (+ ``_arm``)."""
    value = (platform.machine() if machine is None else machine).lower()
    if value in ("s390x", "ppc64", "ppc64le"):
        return value
    arch = "x86_64" if value.endswith("64") else "i386"
    if value.startswith(("arm", "aarch64")):
        arch += "_arm"
    return arch


def ngrok_bin_name(system: str | None = None) -> str:
    """``ngrok.exe`` on Windows, ``ngrok`` elsewhere (including unknown systems)."""
    name = detect_system() if system is None else system
    return "ngrok.exe" if name == "windows" else "ngrok"


def default_ngrok_dir(system: str | None = None) -> str:
    """Where ngrok v3 keeps its config (and where the managed binary goes) on this system."""
    name = detect_system() if system is None else system
    home = os.path.expanduser("~")
    if name == "darwin":
        return os.path.join(home, "Library", "Application Support", "ngrok")
    if name == "windows":
        return os.path.join(home, "AppData", "Local", "ngrok")
    return os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "ngrok")


def pinned_v2_path(ngrok_dir: str, system: str | None = None) -> str:
    """Where typed-ngrok installs its pinned v2 agent: ``<ngrok_dir>/ngrok-2.3.41/ngrok`` (never the v3 path)."""
    return os.path.join(ngrok_dir, f"ngrok-{PINNED_V2_VERSION}", ngrok_bin_name(system))
