from typing import Literal

EndpointDefinitionBindingsItem = Literal["internal", "kubernetes", "public"]

ENDPOINT_DEFINITION_BINDINGS_ITEM_VALUES: set[EndpointDefinitionBindingsItem] = {
    "internal",
    "kubernetes",
    "public",
}


def check_endpoint_definition_bindings_item(value: str) -> EndpointDefinitionBindingsItem:
    if value in ENDPOINT_DEFINITION_BINDINGS_ITEM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ENDPOINT_DEFINITION_BINDINGS_ITEM_VALUES!r}")
