from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OAuth")


@_attrs_define
class OAuth:
    """
    Attributes:
        provider (str | Unset):
        allow_domains (list[str] | Unset):
        allow_emails (list[str] | Unset):
        scopes (list[str] | Unset):
    """

    provider: str | Unset = UNSET
    allow_domains: list[str] | Unset = UNSET
    allow_emails: list[str] | Unset = UNSET
    scopes: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider

        allow_domains: list[str] | Unset = UNSET
        if not isinstance(self.allow_domains, Unset):
            allow_domains = self.allow_domains

        allow_emails: list[str] | Unset = UNSET
        if not isinstance(self.allow_emails, Unset):
            allow_emails = self.allow_emails

        scopes: list[str] | Unset = UNSET
        if not isinstance(self.scopes, Unset):
            scopes = self.scopes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if provider is not UNSET:
            field_dict["provider"] = provider
        if allow_domains is not UNSET:
            field_dict["allow_domains"] = allow_domains
        if allow_emails is not UNSET:
            field_dict["allow_emails"] = allow_emails
        if scopes is not UNSET:
            field_dict["scopes"] = scopes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider = d.pop("provider", UNSET)

        allow_domains = cast(list[str], d.pop("allow_domains", UNSET))

        allow_emails = cast(list[str], d.pop("allow_emails", UNSET))

        scopes = cast(list[str], d.pop("scopes", UNSET))

        o_auth = cls(
            provider=provider,
            allow_domains=allow_domains,
            allow_emails=allow_emails,
            scopes=scopes,
        )

        o_auth.additional_properties = d
        return o_auth

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
