from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="IpRestriction")


@_attrs_define
class IpRestriction:
    """
    Attributes:
        allow_cidrs (list[str] | Unset):
        deny_cidrs (list[str] | Unset):
    """

    allow_cidrs: list[str] | Unset = UNSET
    deny_cidrs: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        allow_cidrs: list[str] | Unset = UNSET
        if not isinstance(self.allow_cidrs, Unset):
            allow_cidrs = self.allow_cidrs

        deny_cidrs: list[str] | Unset = UNSET
        if not isinstance(self.deny_cidrs, Unset):
            deny_cidrs = self.deny_cidrs

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if allow_cidrs is not UNSET:
            field_dict["allow_cidrs"] = allow_cidrs
        if deny_cidrs is not UNSET:
            field_dict["deny_cidrs"] = deny_cidrs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        allow_cidrs = cast(list[str], d.pop("allow_cidrs", UNSET))

        deny_cidrs = cast(list[str], d.pop("deny_cidrs", UNSET))

        ip_restriction = cls(
            allow_cidrs=allow_cidrs,
            deny_cidrs=deny_cidrs,
        )

        ip_restriction.additional_properties = d
        return ip_restriction

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
