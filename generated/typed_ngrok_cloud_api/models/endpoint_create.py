from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.endpoint_create_type import EndpointCreateType, check_endpoint_create_type
from ..types import UNSET, Unset

T = TypeVar("T", bound="EndpointCreate")


@_attrs_define
class EndpointCreate:
    """
    Attributes:
        url (str): e.g. `https://example.ngrok.app`
        type_ (EndpointCreateType): Only cloud endpoints can be created through the API.
        traffic_policy (str): The traffic policy document as a string.
        description (str | Unset):
        metadata (str | Unset):
        bindings (list[str] | Unset):
        pooling_enabled (bool | Unset):
    """

    url: str
    type_: EndpointCreateType
    traffic_policy: str
    description: str | Unset = UNSET
    metadata: str | Unset = UNSET
    bindings: list[str] | Unset = UNSET
    pooling_enabled: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        type_: str = self.type_

        traffic_policy = self.traffic_policy

        description = self.description

        metadata = self.metadata

        bindings: list[str] | Unset = UNSET
        if not isinstance(self.bindings, Unset):
            bindings = self.bindings

        pooling_enabled = self.pooling_enabled

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
                "type": type_,
                "traffic_policy": traffic_policy,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if bindings is not UNSET:
            field_dict["bindings"] = bindings
        if pooling_enabled is not UNSET:
            field_dict["pooling_enabled"] = pooling_enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        type_ = check_endpoint_create_type(d.pop("type"))

        traffic_policy = d.pop("traffic_policy")

        description = d.pop("description", UNSET)

        metadata = d.pop("metadata", UNSET)

        bindings = cast(list[str], d.pop("bindings", UNSET))

        pooling_enabled = d.pop("pooling_enabled", UNSET)

        endpoint_create = cls(
            url=url,
            type_=type_,
            traffic_policy=traffic_policy,
            description=description,
            metadata=metadata,
            bindings=bindings,
            pooling_enabled=pooling_enabled,
        )

        endpoint_create.additional_properties = d
        return endpoint_create

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
