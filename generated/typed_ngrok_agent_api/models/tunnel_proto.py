from typing import Literal

TunnelProto = Literal["http", "tcp", "tls"]

TUNNEL_PROTO_VALUES: set[TunnelProto] = {
    "http",
    "tcp",
    "tls",
}


def check_tunnel_proto(value: str) -> TunnelProto:
    if value in TUNNEL_PROTO_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TUNNEL_PROTO_VALUES!r}")
