from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ReservedDomainCertPolicy")


@_attrs_define
class ReservedDomainCertPolicy:
    """Automatic TLS certificate management.

    Attributes:
        authority (str | Unset): Only `letsencrypt`.
        private_key_type (str | Unset): `rsa` or `ecdsa` (the default).
    """

    authority: str | Unset = UNSET
    private_key_type: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        authority = self.authority

        private_key_type = self.private_key_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if authority is not UNSET:
            field_dict["authority"] = authority
        if private_key_type is not UNSET:
            field_dict["private_key_type"] = private_key_type

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        authority = d.pop("authority", UNSET)

        private_key_type = d.pop("private_key_type", UNSET)

        reserved_domain_cert_policy = cls(
            authority=authority,
            private_key_type=private_key_type,
        )

        reserved_domain_cert_policy.additional_properties = d
        return reserved_domain_cert_policy

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
