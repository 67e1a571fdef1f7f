from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AgentTlsTermination")


@_attrs_define
class AgentTlsTermination:
    """
    Attributes:
        server_certificate (str | Unset):
        server_private_key (str | Unset):
        mutual_tls_certificate_authorities (list[str] | Unset):
    """

    server_certificate: str | Unset = UNSET
    server_private_key: str | Unset = UNSET
    mutual_tls_certificate_authorities: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        server_certificate = self.server_certificate

        server_private_key = self.server_private_key

        mutual_tls_certificate_authorities: list[str] | Unset = UNSET
        if not isinstance(self.mutual_tls_certificate_authorities, Unset):
            mutual_tls_certificate_authorities = self.mutual_tls_certificate_authorities

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if server_certificate is not UNSET:
            field_dict["server_certificate"] = server_certificate
        if server_private_key is not UNSET:
            field_dict["server_private_key"] = server_private_key
        if mutual_tls_certificate_authorities is not UNSET:
            field_dict["mutual_tls_certificate_authorities"] = mutual_tls_certificate_authorities

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        server_certificate = d.pop("server_certificate", UNSET)

        server_private_key = d.pop("server_private_key", UNSET)

        mutual_tls_certificate_authorities = cast(list[str], d.pop("mutual_tls_certificate_authorities", UNSET))

        agent_tls_termination = cls(
            server_certificate=server_certificate,
            server_private_key=server_private_key,
            mutual_tls_certificate_authorities=mutual_tls_certificate_authorities,
        )

        agent_tls_termination.additional_properties = d
        return agent_tls_termination

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
