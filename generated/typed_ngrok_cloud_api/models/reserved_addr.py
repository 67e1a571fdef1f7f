from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ReservedAddr")


@_attrs_define
class ReservedAddr:
    """
    Attributes:
        id (str): `ra_...`
        uri (str):
        created_at (datetime.datetime):
        addr (str): `host:port`
        description (str | Unset):
        metadata (str | Unset):
        region (str | Unset):
    """

    id: str
    uri: str
    created_at: datetime.datetime
    addr: str
    description: str | Unset = UNSET
    metadata: str | Unset = UNSET
    region: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        uri = self.uri

        created_at = self.created_at.isoformat()

        addr = self.addr

        description = self.description

        metadata = self.metadata

        region = self.region

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "uri": uri,
                "created_at": created_at,
                "addr": addr,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if region is not UNSET:
            field_dict["region"] = region

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        uri = d.pop("uri")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        addr = d.pop("addr")

        description = d.pop("description", UNSET)

        metadata = d.pop("metadata", UNSET)

        region = d.pop("region", UNSET)

        reserved_addr = cls(
            id=id,
            uri=uri,
            created_at=created_at,
            addr=addr,
            description=description,
            metadata=metadata,
            region=region,
        )

        reserved_addr.additional_properties = d
        return reserved_addr

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
