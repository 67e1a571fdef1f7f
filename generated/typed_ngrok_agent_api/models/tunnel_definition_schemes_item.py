from typing import Literal

TunnelDefinitionSchemesItem = Literal["http", "https"]

TUNNEL_DEFINITION_SCHEMES_ITEM_VALUES: set[TunnelDefinitionSchemesItem] = {
    "http",
    "https",
}


def check_tunnel_definition_schemes_item(value: str) -> TunnelDefinitionSchemesItem:
    if value in TUNNEL_DEFINITION_SCHEMES_ITEM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TUNNEL_DEFINITION_SCHEMES_ITEM_VALUES!r}")
