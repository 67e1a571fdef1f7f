from typing import Literal

EndpointCreateType = Literal["cloud"]

ENDPOINT_CREATE_TYPE_VALUES: set[EndpointCreateType] = {
    "cloud",
}


def check_endpoint_create_type(value: str) -> EndpointCreateType:
    if value in ENDPOINT_CREATE_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ENDPOINT_CREATE_TYPE_VALUES!r}")
