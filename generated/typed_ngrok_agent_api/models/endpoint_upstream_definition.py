from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.endpoint_upstream_definition_protocol import (
    EndpointUpstreamDefinitionProtocol,
    check_endpoint_upstream_definition_protocol,
)
from ..models.proxy_protocol import ProxyProtocol, check_proxy_protocol
from ..types import UNSET, Unset

T = TypeVar("T", bound="EndpointUpstreamDefinition")


@_attrs_define
class EndpointUpstreamDefinition:
    """
    Attributes:
        url (str): "8080", "host:port" or a URL.
        protocol (EndpointUpstreamDefinitionProtocol | Unset):
        proxy_protocol (ProxyProtocol | Unset): PROXY protocol version sent to the upstream.
    """

    url: str
    protocol: EndpointUpstreamDefinitionProtocol | Unset = UNSET
    proxy_protocol: ProxyProtocol | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        protocol: str | Unset = UNSET
        if not isinstance(self.protocol, Unset):
            protocol = self.protocol

        proxy_protocol: str | Unset = UNSET
        if not isinstance(self.proxy_protocol, Unset):
            proxy_protocol = self.proxy_protocol

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
            }
        )
        if protocol is not UNSET:
            field_dict["protocol"] = protocol
        if proxy_protocol is not UNSET:
            field_dict["proxy_protocol"] = proxy_protocol

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        _protocol = d.pop("protocol", UNSET)
        protocol: EndpointUpstreamDefinitionProtocol | Unset
        if isinstance(_protocol, Unset):
            protocol = UNSET
        else:
            protocol = check_endpoint_upstream_definition_protocol(_protocol)

        _proxy_protocol = d.pop("proxy_protocol", UNSET)
        proxy_protocol: ProxyProtocol | Unset
        if isinstance(_proxy_protocol, Unset):
            proxy_protocol = UNSET
        else:
            proxy_protocol = check_proxy_protocol(_proxy_protocol)

        endpoint_upstream_definition = cls(
            url=url,
            protocol=protocol,
            proxy_protocol=proxy_protocol,
        )

        endpoint_upstream_definition.additional_properties = d
        return endpoint_upstream_definition

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
