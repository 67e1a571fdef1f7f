from typing import Literal

ProxyProtocol = Literal["1", "2"]

PROXY_PROTOCOL_VALUES: set[ProxyProtocol] = {
    "1",
    "2",
}


def check_proxy_protocol(value: str) -> ProxyProtocol:
    if value in PROXY_PROTOCOL_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PROXY_PROTOCOL_VALUES!r}")
