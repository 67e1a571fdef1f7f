from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ApiRoot")


@_attrs_define
class ApiRoot:
    """
    Attributes:
        tunnels_uri (str | Unset):
        http_requests_uri (str | Unset):
    """

    tunnels_uri: str | Unset = UNSET
    http_requests_uri: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tunnels_uri = self.tunnels_uri

        http_requests_uri = self.http_requests_uri

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if tunnels_uri is not UNSET:
            field_dict["tunnels_uri"] = tunnels_uri
        if http_requests_uri is not UNSET:
            field_dict["http_requests_uri"] = http_requests_uri

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        tunnels_uri = d.pop("tunnels_uri", UNSET)

        http_requests_uri = d.pop("http_requests_uri", UNSET)

        api_root = cls(
            tunnels_uri=tunnels_uri,
            http_requests_uri=http_requests_uri,
        )

        api_root.additional_properties = d
        return api_root

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
