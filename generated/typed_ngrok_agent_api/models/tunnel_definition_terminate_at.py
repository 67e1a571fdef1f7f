from typing import Literal

TunnelDefinitionTerminateAt = Literal["agent", "edge", "upstream"]

TUNNEL_DEFINITION_TERMINATE_AT_VALUES: set[TunnelDefinitionTerminateAt] = {
    "agent",
    "edge",
    "upstream",
}


def check_tunnel_definition_terminate_at(value: str) -> TunnelDefinitionTerminateAt:
    if value in TUNNEL_DEFINITION_TERMINATE_AT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TUNNEL_DEFINITION_TERMINATE_AT_VALUES!r}")
