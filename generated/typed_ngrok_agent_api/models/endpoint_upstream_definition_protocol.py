from typing import Literal

EndpointUpstreamDefinitionProtocol = Literal["http1", "http2"]

ENDPOINT_UPSTREAM_DEFINITION_PROTOCOL_VALUES: set[EndpointUpstreamDefinitionProtocol] = {
    "http1",
    "http2",
}


def check_endpoint_upstream_definition_protocol(value: str) -> EndpointUpstreamDefinitionProtocol:
    if value in ENDPOINT_UPSTREAM_DEFINITION_PROTOCOL_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ENDPOINT_UPSTREAM_DEFINITION_PROTOCOL_VALUES!r}")
