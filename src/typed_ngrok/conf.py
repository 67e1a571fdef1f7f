"""typed-ngrok's configuration for driving the ngrok agent (pyngrok 9.1.0's ``pyngrok.conf``, typed and validated).

:class:`PyngrokConfig` has pyngrok's parameters, order and defaults, plus ``edge`` (last): ``"ngrok"`` talks to
ngrok's cloud, ``"local"`` points the agent at typed-ngrok's offline loopback edge. Defaults are read when a config is
constructed, so monkeypatching :data:`DEFAULT_NGROK_PATH` (or the environment) beforehand works. Environment
variables, as pyngrok reads them: ``PYNGROK_NGROK_PATH``, ``NGROK_AUTHTOKEN``, ``NGROK_API_KEY``; plus
``TYPED_NGROK_EDGE``.

Local mode is one setting: ``edge="local"`` (or ``$TYPED_NGROK_EDGE=local``) selects ``ngrok_version="2"`` and
``config_version="2"`` (the pinned 2.3.41 agent and its config format) unless the caller sets them, and its default
binary is :data:`DEFAULT_NGROK_V2_PATH` (``<ngrok dir>/ngrok-2.3.41/ngrok``), never the path v3 uses. An explicit
``ngrok_version``/``config_version`` other than ``"2"`` with the local edge is refused at once. Elsewhere pyngrok's
defaults hold (``"3"``, ``"3"``, :data:`DEFAULT_NGROK_PATH`).

Unlike pyngrok, the default paths are computed without raising on an unsupported OS, and a config is validated when
it is constructed (and again by :meth:`PyngrokConfig.validate`): a bad value raises
:class:`~typed_ngrok.exception.PyngrokError` naming the field.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Literal, cast

from typed_ngrok._install.platform import default_ngrok_dir, ngrok_bin_name, pinned_v2_path
from typed_ngrok.exception import PyngrokError

if TYPE_CHECKING:
    from typed_ngrok.log import NgrokLog

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "DEFAULT_NGROK_CONFIG_PATH",
    "DEFAULT_NGROK_DIR",
    "DEFAULT_NGROK_PATH",
    "DEFAULT_NGROK_V2_PATH",
    "EDGE_ENV_VAR",
    "SUPPORTED_CONFIG_VERSIONS",
    "SUPPORTED_NGROK_VERSIONS",
    "EdgeKind",
    "PyngrokConfig",
    "agent_format",
    "config_format",
    "get_config_path",
    "get_default",
    "is_v2_agent",
    "is_v2_version",
    "normalize_ngrok_version",
    "set_default",
]

EdgeKind = Literal["ngrok", "local"]

#: The environment variable that chooses the default ``edge`` (``ngrok`` or ``local``).
EDGE_ENV_VAR: Final = "TYPED_NGROK_EDGE"
#: Agent major versions typed-ngrok drives: "3" (ngrok's CDN) and "2" (the pinned 2.3.41 agent from npm).
SUPPORTED_NGROK_VERSIONS: Final = ("2", "3")
SUPPORTED_CONFIG_VERSIONS: Final = ("2", "3")
_EDGES: Final = ("ngrok", "local")
_FULL_VERSIONS: Final = {"2.3.41": "2"}
_REGION = re.compile(r"[a-z][a-z0-9-]{0,31}")

DEFAULT_CONFIG_PATH: str | None = None
DEFAULT_NGROK_DIR: str = default_ngrok_dir()
DEFAULT_NGROK_CONFIG_PATH: str = os.path.join(DEFAULT_NGROK_DIR, "ngrok.yml")
DEFAULT_NGROK_PATH: str = os.path.join(DEFAULT_NGROK_DIR, ngrok_bin_name())
#: The default binary of a v2 agent (``ngrok_version="2"``, the local edge): the pinned 2.3.41 agent typed-ngrok
#: installs, kept apart from the v3 binary at :data:`DEFAULT_NGROK_PATH`.
DEFAULT_NGROK_V2_PATH: str = pinned_v2_path(DEFAULT_NGROK_DIR)


class _DefaultVersion(str):
    """The signature default of ``ngrok_version``/``config_version``: pyngrok's ``"3"``, but recognised (by
    identity) as "not given", so ``edge="local"`` can select ``"2"`` instead."""

    __slots__ = ()


_NOT_GIVEN: Final = _DefaultVersion("3")


def normalize_ngrok_version(value: object, field: str = "ngrok_version") -> str:
    """``"3"``/``"v3"``/``3`` → ``"3"``; ``"2"``/``"2.3.41"`` → ``"2"``.

    Args:
        value: the version as given: ``"3"``, ``"v3"``, ``3``, ``"2"``, ``"2.3.41"``, ...
        field: the name used in the error message.

    Raises:
        PyngrokError: for anything else, naming ``field``.
    """
    major = _major_version(value)
    if major is None:
        raise PyngrokError(
            f'"{field}" must be a supported version: {list(SUPPORTED_NGROK_VERSIONS)} (or "2.3.41"), got {value!r}'
        )
    return major


def _major_version(value: object) -> str | None:
    """The one reading of a version setting: ``"2"``/``"v2"``/``2``/``"2.3.41"`` → ``"2"``, ``"3"``/``"v3"``/``3`` →
    ``"3"``, anything else → None."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip().removeprefix("v")
    text = _FULL_VERSIONS.get(text, text)
    return text if text in SUPPORTED_NGROK_VERSIONS else None


def is_v2_version(ngrok_version: object) -> bool:
    """True when an ``ngrok_version`` value selects a v2 agent (spelled as :func:`normalize_ngrok_version` accepts).

    Args:
        ngrok_version: the value as given or assigned: ``"2"``, ``"v2"``, ``2``, ``"2.3.41"``, ``"3"``, ...; never
            raises (a value :meth:`PyngrokConfig.validate` would refuse is not v2).
    """
    return _major_version(ngrok_version) == "2"


def is_v2_agent(pyngrok_config: PyngrokConfig) -> bool:
    """True when the config runs a v2 agent (``ngrok_version`` "2", "v2", 2 or "2.3.41"): Tunnels API only, no
    ``api`` command, its own default binary. The only place this is decided.

    Args:
        pyngrok_config: the config; its ``ngrok_version`` may have been assigned after construction, unvalidated.
    """
    return is_v2_version(getattr(pyngrok_config, "ngrok_version", None))


def config_format(config_version: object) -> Literal["2", "3"]:
    """``"2"`` when a ``config_version`` value means the v2 format, else ``"3"`` (pyngrok's default).

    Args:
        config_version: the value as given or assigned: ``"2"``, ``"v2"``, ``2``, ``"3"``, ...; never raises.
    """
    return "2" if _major_version(config_version) == "2" else "3"


def agent_format(pyngrok_config: PyngrokConfig) -> Literal["2", "3"]:
    """The config format and agent API flavour a config drives: ``"2"`` for a v2 agent (:func:`is_v2_agent`, whatever
    its ``config_version``) or ``config_version`` "2" (Tunnels API, v2 config keys, v2 option names), else ``"3"``
    (Endpoints API, v3 config keys). The only place this is decided.

    Args:
        pyngrok_config: the config; lenient (never raises), as its attributes may have been assigned after
            construction, unvalidated.
    """
    if is_v2_agent(pyngrok_config):
        return "2"
    return config_format(getattr(pyngrok_config, "config_version", "3"))


def _bad(field: str, expected: str, value: object) -> PyngrokError:
    shown = "<redacted>" if field in ("auth_token", "api_key") else repr(value)
    return PyngrokError(f'PyngrokConfig "{field}" must be {expected}, got {shown}')


def _path(field: str, value: object, optional: bool) -> str | None:
    if value is None and optional:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str) and value and "\x00" not in value:
        return value
    raise _bad(field, "a non-empty path" + (" or None" if optional else ""), value)


def _secret(field: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip() and not any(c in value for c in "\r\n\x00"):
        return value
    raise _bad(field, "a non-empty single-line string or None", value)


def _number(field: str, value: object, *, integer: bool, minimum: float, strict: bool) -> Any:
    kinds: tuple[type, ...] = (int,) if integer else (int, float)
    ok = isinstance(value, kinds) and not isinstance(value, bool)
    if ok:
        number = cast(float, value)
        ok = number > minimum if strict else number >= minimum
        ok = ok and number == number and number != float("inf")  # not NaN, finite
    if not ok:
        relation = ">" if strict else ">="
        raise _bad(field, f"{'an int' if integer else 'a number'} {relation} {minimum:g}", value)
    return value


def _bool(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _bad(field, "True or False", value)
    return value


def _edge(value: object) -> EdgeKind:
    if value is None:
        env = os.environ.get(EDGE_ENV_VAR, "").strip()
        if not env:
            return "ngrok"
        if env.lower() in _EDGES:
            return cast(EdgeKind, env.lower())
        raise PyngrokError(f'PyngrokConfig "edge": ${EDGE_ENV_VAR} must be one of {list(_EDGES)}, got {env!r}')
    if isinstance(value, str) and value in _EDGES:
        return cast(EdgeKind, value)
    raise _bad("edge", f"one of {list(_EDGES)} or None", value)


class PyngrokConfig:
    """How typed-ngrok finds, starts and talks to an ngrok agent (pyngrok's ``PyngrokConfig`` plus ``edge``).

    A plain mutable object: set attributes freely, then call :meth:`validate` (the process layer does) to check and
    normalise them again. Secrets (``auth_token``, ``api_key``) are never shown by ``repr``.

    Args:
        ngrok_path: the agent binary; None: ``$PYNGROK_NGROK_PATH``, else :data:`DEFAULT_NGROK_V2_PATH` for a v2 agent
            (so ``edge="local"``) and :data:`DEFAULT_NGROK_PATH` otherwise.
        config_path: the agent's config file; None: :data:`DEFAULT_CONFIG_PATH` (ngrok's own default, no ``--config``).
        auth_token: the authtoken; None: ``$NGROK_AUTHTOKEN``. It reaches the agent through a private config file.
        region: the region the agent connects to (``us``, ``eu``, ...); None lets ngrok choose.
        monitor_thread: keep reading the agent's logs after it started.
        log_event_callback: called with each :class:`~typed_ngrok.log.NgrokLog`; an exception in it is logged.
        startup_timeout: seconds the agent has to become ready (a wall-clock deadline).
        max_logs: the most log records an ``NgrokProcess`` keeps.
        request_timeout: seconds allowed for each call to the agent's local API.
        start_new_session: start the agent in a new session (POSIX only).
        ngrok_version: the agent's major version, ``"3"`` or ``"2"``; not given: ``"2"`` with ``edge="local"``, else
            ``"3"``. The signature's default, ``_NOT_GIVEN``, is pyngrok's ``"3"`` (``help()`` shows ``'3'``) marked
            as "not given", which is what lets ``edge="local"`` choose ``"2"``.
        api_key: an ngrok API key (for :func:`~typed_ngrok.ngrok.api`); None: ``$NGROK_API_KEY``.
        config_version: the config file format and agent API flavour, ``"3"`` or ``"2"``; not given (the default
            ``_NOT_GIVEN``, as for ``ngrok_version``): ``"2"`` with ``edge="local"``, else ``"3"``.
        edge: ``"ngrok"`` (ngrok's cloud) or ``"local"`` (typed-ngrok's offline edge); None: ``$TYPED_NGROK_EDGE``,
            else ``"ngrok"``.

    Raises:
        PyngrokError: when a value is invalid; the message names the field.
    """

    def __init__(
        self,
        ngrok_path: str | None = None,
        config_path: str | None = None,
        auth_token: str | None = None,
        region: str | None = None,
        monitor_thread: bool = True,
        log_event_callback: Callable[[NgrokLog], None] | None = None,
        startup_timeout: int = 15,
        max_logs: int = 100,
        request_timeout: float = 4,
        start_new_session: bool = False,
        ngrok_version: str = _NOT_GIVEN,
        api_key: str | None = None,
        config_version: str = _NOT_GIVEN,
        edge: EdgeKind | None = None,
    ) -> None:
        self._ngrok_path_given = False
        self._ngrok_path = ""
        self._default_path_is_v2: bool | None = None  # the version decision the stored default path was made for
        self._ngrok_version_given = False
        self._ngrok_version = ngrok_version
        self._edge: EdgeKind = _edge(edge)
        self.ngrok_version = ngrok_version
        self.config_version = config_version
        if ngrok_path is not None:
            self.ngrok_path = ngrok_path
        elif os.environ.get("PYNGROK_NGROK_PATH"):
            self.ngrok_path = os.environ["PYNGROK_NGROK_PATH"]
        self._default_ngrok_path()
        #: The agent config file; None means ngrok's default (no ``--config`` flag).
        self.config_path: str | None = DEFAULT_CONFIG_PATH if config_path is None else config_path
        #: The authtoken (arg, else $NGROK_AUTHTOKEN). It reaches the agent through a private config file, never argv.
        self.auth_token: str | None = auth_token or os.environ.get("NGROK_AUTHTOKEN") or None
        #: The region the agent connects to (``us``, ``eu``, ...); None lets ngrok choose.
        self.region: str | None = region
        #: Keep reading the agent's logs after startup.
        self.monitor_thread: bool = monitor_thread
        #: Called with each :class:`~typed_ngrok.log.NgrokLog`; an exception in it is logged and reading goes on.
        self.log_event_callback: Callable[[NgrokLog], None] | None = log_event_callback
        #: Seconds the agent has to become ready (a wall-clock deadline).
        self.startup_timeout: int = startup_timeout
        #: The most log records an ``NgrokProcess`` keeps.
        self.max_logs: int = max_logs
        #: Seconds allowed for each call to the agent's local API.
        self.request_timeout: float = request_timeout
        #: Start the agent in a new session (POSIX only).
        self.start_new_session: bool = start_new_session
        #: An ngrok API key (arg, else $NGROK_API_KEY).
        self.api_key: str | None = api_key or os.environ.get("NGROK_API_KEY") or None
        self.validate()

    @property
    def ngrok_path(self) -> str:
        """The ngrok binary (also the key of the process registry): arg, else $PYNGROK_NGROK_PATH, else the default:
        :data:`DEFAULT_NGROK_V2_PATH` for a v2 agent (so ``edge="local"``), :data:`DEFAULT_NGROK_PATH` otherwise.

        Like pyngrok, the default is read when the config is constructed and stored (a later change of the module
        globals does not move it); it is chosen again only when ``edge`` or ``ngrok_version`` is assigned and the
        path was not given."""
        return self._ngrok_path

    @ngrok_path.setter
    def ngrok_path(self, value: str) -> None:
        self._ngrok_path_given = True
        self._ngrok_path = value

    def _default_ngrok_path(self, *, only_if_changed: bool = False) -> None:
        """Store the default binary for the current version decision, unless a path was given (``only_if_changed``:
        only when that decision differs from the one the stored default was made for)."""
        if self._ngrok_path_given:
            return
        is_v2 = is_v2_version(self.ngrok_version)
        if only_if_changed and is_v2 == self._default_path_is_v2:
            return
        self._default_path_is_v2 = is_v2
        self._ngrok_path = DEFAULT_NGROK_V2_PATH if is_v2 else DEFAULT_NGROK_PATH

    @property
    def edge(self) -> EdgeKind:
        """``"ngrok"`` (ngrok's cloud) or ``"local"`` (typed-ngrok's offline edge); None at construction reads
        $TYPED_NGROK_EDGE. Assigning it chooses the default ``ngrok_path`` again (when the path was not given)."""
        return self._edge

    @edge.setter
    def edge(self, value: EdgeKind) -> None:
        self._edge = value
        self._default_ngrok_path(only_if_changed=True)

    @property
    def ngrok_version(self) -> str:
        """The agent's major version, "3" or "2" (a leading "v" is stripped; "2.3.41" means "2").

        When not set: "2" with ``edge="local"``, else "3".
        """
        return self._ngrok_version if self._ngrok_version_given else ("2" if self.edge == "local" else "3")

    @ngrok_version.setter
    def ngrok_version(self, value: str) -> None:
        self._ngrok_version_given = value is not _NOT_GIVEN
        self._ngrok_version = value
        if self._default_path_is_v2 is not None:  # constructed: the default path follows the version
            self._default_ngrok_path(only_if_changed=True)

    @property
    def config_version(self) -> str:
        """The config file format and agent API flavour: "3" (``/api/endpoints``) or "2" (``/api/tunnels``).

        When not set: "2" with ``edge="local"``, else "3".
        """
        return self._config_version if self._config_version_given else ("2" if self.edge == "local" else "3")

    @config_version.setter
    def config_version(self, value: str) -> None:
        self._config_version_given = value is not _NOT_GIVEN
        self._config_version = value

    def validate(self) -> PyngrokConfig:
        """Check every attribute again and normalise it in place (versions become ``"2"``/``"3"``); returns self.

        Raises:
            PyngrokError: naming the first invalid field.
        """
        if self._ngrok_path_given:
            self._ngrok_path = cast(str, _path("ngrok_path", self._ngrok_path, optional=False))
        self.config_path = _path("config_path", self.config_path, optional=True)
        self.auth_token = _secret("auth_token", self.auth_token)
        self.api_key = _secret("api_key", self.api_key)
        if self.region is not None and not (isinstance(self.region, str) and _REGION.fullmatch(self.region)):
            raise _bad("region", "a region name such as 'us' or 'eu', or None", self.region)
        self.monitor_thread = _bool("monitor_thread", self.monitor_thread)
        if self.log_event_callback is not None and not callable(self.log_event_callback):
            raise _bad("log_event_callback", "a callable or None", self.log_event_callback)
        self.startup_timeout = _number("startup_timeout", self.startup_timeout, integer=False, minimum=0, strict=True)
        self.max_logs = _number("max_logs", self.max_logs, integer=True, minimum=1, strict=False)
        self.request_timeout = _number("request_timeout", self.request_timeout, integer=False, minimum=0, strict=True)
        self.start_new_session = _bool("start_new_session", self.start_new_session)
        self._edge = _edge(self._edge)
        if self._ngrok_version_given:
            self._ngrok_version = normalize_ngrok_version(self._ngrok_version)
        self._default_ngrok_path(only_if_changed=True)
        if self._config_version_given:
            config_version: object = self._config_version
            if isinstance(config_version, int) and not isinstance(config_version, bool):
                config_version = str(config_version)
            if config_version not in SUPPORTED_CONFIG_VERSIONS:
                raise _bad("config_version", f"one of {list(SUPPORTED_CONFIG_VERSIONS)}", self._config_version)
            self._config_version = config_version
        _check_local_versions(self)
        return self

    def __repr__(self) -> str:
        values = {name: value for name, value in vars(self).items() if not name.startswith("_")}
        values = {"ngrok_path": self.ngrok_path, **values}
        values.update(ngrok_version=self.ngrok_version, config_version=self.config_version, edge=self.edge)
        fields = ", ".join(
            f"{name}={'<redacted>' if name in ('auth_token', 'api_key') and value is not None else repr(value)}"
            for name, value in values.items()
        )
        return f"PyngrokConfig({fields})"


def _check_local_versions(cfg: PyngrokConfig) -> None:
    """``edge="local"`` runs the pinned 2.3.41 agent: an explicit "3" for either version contradicts it.

    Raises:
        PyngrokError: naming the contradicting settings and what to do.
    """
    if cfg.edge != "local":
        return
    wrong = [
        f'{name}="{value}"'
        for name, value in (("ngrok_version", cfg.ngrok_version), ("config_version", cfg.config_version))
        if value != "2"
    ]
    if wrong:
        raise PyngrokError(
            f'PyngrokConfig edge="local" (the edge argument or ${EDGE_ENV_VAR}=local) runs the pinned ngrok '
            f"2.3.41 agent with its v2 config format, which contradicts {' and '.join(wrong)}: leave ngrok_version "
            'and config_version unset (the local edge selects "2" for both) or set them to "2"; for an ngrok 3 '
            'agent use edge="ngrok".'
        )


_default_lock = threading.Lock()
_default_pyngrok_config: PyngrokConfig | None = None


def get_default() -> PyngrokConfig:
    """The default config used when a ``pyngrok_config`` argument is None (created on first use).

    It is ``PyngrokConfig()``, so the environment at that first use decides it: with ``$TYPED_NGROK_EDGE=local`` it
    is local mode (the 2.3.41 agent at :data:`DEFAULT_NGROK_V2_PATH`, v2 config); a later change of the environment
    is not seen (call :func:`set_default`).

    Raises:
        PyngrokError: when the environment holds an invalid value (e.g. ``$TYPED_NGROK_EDGE``).
    """
    global _default_pyngrok_config
    with _default_lock:
        if _default_pyngrok_config is None:
            _default_pyngrok_config = PyngrokConfig()
        return _default_pyngrok_config


def set_default(pyngrok_config: PyngrokConfig) -> None:
    """Make ``pyngrok_config`` the default.

    Args:
        pyngrok_config: the config used wherever a ``pyngrok_config`` argument is None.

    Raises:
        PyngrokError: when it is not a :class:`PyngrokConfig`.
    """
    global _default_pyngrok_config
    if not isinstance(pyngrok_config, PyngrokConfig):
        raise PyngrokError(f"set_default() needs a PyngrokConfig, got {type(pyngrok_config).__name__}")
    with _default_lock:
        _default_pyngrok_config = pyngrok_config


def get_config_path(pyngrok_config: PyngrokConfig) -> str:
    """``pyngrok_config.config_path`` when set, else :data:`DEFAULT_NGROK_CONFIG_PATH` (read at call time).

    Args:
        pyngrok_config: the agent's settings (a :class:`~typed_ngrok.conf.PyngrokConfig`).

    Raises:
        PyngrokError: ``pyngrok_config`` is not a ``PyngrokConfig`` (None means the default).
    """
    from typed_ngrok._tunnels.resolve import resolve_config  # the one shared check (it imports this module)

    pyngrok_config = resolve_config(pyngrok_config)
    if pyngrok_config.config_path is not None:
        return pyngrok_config.config_path
    return DEFAULT_NGROK_CONFIG_PATH
