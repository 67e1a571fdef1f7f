from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="TunnelSessionAction")


@_attrs_define
class TunnelSessionAction:
    """The (empty) body of the tunnel-session actions; serialises to `{}`."""

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        tunnel_session_action = cls()

        return tunnel_session_action
