"""The tunnel context managers' decisions (``ngrok.tunnel``, ``aio.tunnel``), as flows for :mod:`typed_ngrok._drive`.

A flow's target is the public module itself (``typed_ngrok.ngrok`` for ``run_sync``, ``typed_ngrok.aio`` for
``run_async``): :func:`open_tunnel` calls its ``connect``, :func:`close_tunnel` its ``disconnect``. What happens when
closing fails is decided here, once: after a body that succeeded, the disconnect error is raised; after a body that
raised, the body's exception is what the caller sees, and the disconnect error is attached to it as a note (it must
never hide the real failure).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from typed_ngrok._drive import Call

if TYPE_CHECKING:
    from collections.abc import Mapping

    from typed_ngrok._drive import Flow
    from typed_ngrok._tunnels.model import ConnectedTunnel
    from typed_ngrok.conf import PyngrokConfig

__all__ = ["close_tunnel", "open_tunnel"]


def open_tunnel(
    addr: str | int | None, proto: str | None, name: str | None, cfg: PyngrokConfig, options: Mapping[str, object]
) -> Flow[ConnectedTunnel]:
    """Enter: ``connect(addr, proto, name, cfg, **options)`` of the target module; returns the tunnel.

    Raises:
        Whatever ``connect`` raises (nothing is open then, so there is nothing to close).
    """
    opened = yield Call("connect", (addr, proto, name, cfg), options)
    return cast("ConnectedTunnel", opened)


def close_tunnel(tunnel: ConnectedTunnel, cfg: PyngrokConfig, body_error: BaseException | None) -> Flow[None]:
    """Exit: ``disconnect(tunnel.public_url, cfg)`` of the target module, whether the body succeeded or not.

    Args:
        tunnel: the tunnel :func:`open_tunnel` returned (already disconnected by the body is fine: a no-op).
        cfg: the resolved config the tunnel was opened with.
        body_error: the exception the ``with`` body raised, or None.

    Raises:
        PyngrokError: the disconnect failed after a body that succeeded. After a body that raised, a failed
            disconnect (an ``Exception``) is added to the body's exception as a note and not raised, so the caller
            sees the body's exception.
    """
    try:
        yield Call("disconnect", (tunnel.public_url, cfg))
    except Exception as error:
        if body_error is None:
            raise
        body_error.add_note(
            f"typed-ngrok: disconnecting {tunnel.public_url} on leaving the tunnel context also failed: "
            f"{type(error).__name__}: {error}"
        )
