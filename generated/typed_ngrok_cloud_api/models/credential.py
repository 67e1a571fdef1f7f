from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Credential")


@_attrs_define
class Credential:
    """
    Attributes:
        id (str): `cr_...`
        uri (str):
        created_at (datetime.datetime):
        description (str | Unset):
        metadata (str | Unset):
        token (None | str | Unset): The authtoken; ONLY in the create response
        acl (list[str] | Unset): ACL rules such as `bind:*.example.com`; empty means unrestricted.
        owner_id (str | Unset):
    """

    id: str
    uri: str
    created_at: datetime.datetime
    description: str | Unset = UNSET
    metadata: str | Unset = UNSET
    token: None | str | Unset = UNSET
    acl: list[str] | Unset = UNSET
    owner_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        uri = self.uri

        created_at = self.created_at.isoformat()

        description = self.description

        metadata = self.metadata

        token: None | str | Unset
        if isinstance(self.token, Unset):
            token = UNSET
        else:
            token = self.token

        acl: list[str] | Unset = UNSET
        if not isinstance(self.acl, Unset):
            acl = self.acl

        owner_id = self.owner_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "uri": uri,
                "created_at": created_at,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if token is not UNSET:
            field_dict["token"] = token
        if acl is not UNSET:
            field_dict["acl"] = acl
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        uri = d.pop("uri")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description", UNSET)

        metadata = d.pop("metadata", UNSET)

        def _parse_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        token = _parse_token(d.pop("token", UNSET))

        acl = cast(list[str], d.pop("acl", UNSET))

        owner_id = d.pop("owner_id", UNSET)

        credential = cls(
            id=id,
            uri=uri,
            created_at=created_at,
            description=description,
            metadata=metadata,
            token=token,
            acl=acl,
            owner_id=owner_id,
        )

        credential.additional_properties = d
        return credential

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
