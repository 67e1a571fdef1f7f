from typing import Literal

BindTlsBoth = Literal["both"]

BIND_TLS_BOTH_VALUES: set[BindTlsBoth] = {
    "both",
}


def check_bind_tls_both(value: str) -> BindTlsBoth:
    if value in BIND_TLS_BOTH_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {BIND_TLS_BOTH_VALUES!r}")
