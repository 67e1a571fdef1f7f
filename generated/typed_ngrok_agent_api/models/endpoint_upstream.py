from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="EndpointUpstream")


@_attrs_define
class EndpointUpstream:
    """
    Attributes:
        url (str | Unset):
        protocol (str | Unset):
        proxy_protocol (str | Unset):
    """

    url: str | Unset = UNSET
    protocol: str | Unset = UNSET
    proxy_protocol: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        protocol = self.protocol

        proxy_protocol = self.proxy_protocol

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if url is not UNSET:
            field_dict["url"] = url
        if protocol is not UNSET:
            field_dict["protocol"] = protocol
        if proxy_protocol is not UNSET:
            field_dict["proxy_protocol"] = proxy_protocol

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url", UNSET)

        protocol = d.pop("protocol", UNSET)

        proxy_protocol = d.pop("proxy_protocol", UNSET)

        endpoint_upstream = cls(
            url=url,
            protocol=protocol,
            proxy_protocol=proxy_protocol,
        )

        endpoint_upstream.additional_properties = d
        return endpoint_upstream

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
