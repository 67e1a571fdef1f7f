from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TunnelConfig")


@_attrs_define
class TunnelConfig:
    """
    Attributes:
        addr (str | Unset): Normalised by the agent: "http://localhost:80", "localhost:22", "tls://…".
        inspect (bool | Unset):
    """

    addr: str | Unset = UNSET
    inspect: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        addr = self.addr

        inspect = self.inspect

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if addr is not UNSET:
            field_dict["addr"] = addr
        if inspect is not UNSET:
            field_dict["inspect"] = inspect

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        addr = d.pop("addr", UNSET)

        inspect = d.pop("inspect", UNSET)

        tunnel_config = cls(
            addr=addr,
            inspect=inspect,
        )

        tunnel_config.additional_properties = d
        return tunnel_config

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
