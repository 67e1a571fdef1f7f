from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.reserved_domain_cert_policy import ReservedDomainCertPolicy
    from ..models.reserved_domain_resolves_to import ReservedDomainResolvesTo


T = TypeVar("T", bound="ReservedDomainCreate")


@_attrs_define
class ReservedDomainCreate:
    """
    Attributes:
        domain (str): The hostname to reserve, e.g. `myapp.ngrok.app` or `app.example.com`.
        region (str | Unset): Deprecated (domains are global).
        description (str | Unset):
        metadata (str | Unset):
        certificate_id (str | Unset): A user-uploaded certificate (`cert_...`); excludes the policy.
        certificate_management_policy (ReservedDomainCertPolicy | Unset): Automatic TLS certificate management.
        resolves_to (list[ReservedDomainResolvesTo] | Unset):
    """

    domain: str
    region: str | Unset = UNSET
    description: str | Unset = UNSET
    metadata: str | Unset = UNSET
    certificate_id: str | Unset = UNSET
    certificate_management_policy: ReservedDomainCertPolicy | Unset = UNSET
    resolves_to: list[ReservedDomainResolvesTo] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        domain = self.domain

        region = self.region

        description = self.description

        metadata = self.metadata

        certificate_id = self.certificate_id

        certificate_management_policy: dict[str, Any] | Unset = UNSET
        if not isinstance(self.certificate_management_policy, Unset):
            certificate_management_policy = self.certificate_management_policy.to_dict()

        resolves_to: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.resolves_to, Unset):
            resolves_to = []
            for resolves_to_item_data in self.resolves_to:
                resolves_to_item = resolves_to_item_data.to_dict()
                resolves_to.append(resolves_to_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "domain": domain,
            }
        )
        if region is not UNSET:
            field_dict["region"] = region
        if description is not UNSET:
            field_dict["description"] = description
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if certificate_id is not UNSET:
            field_dict["certificate_id"] = certificate_id
        if certificate_management_policy is not UNSET:
            field_dict["certificate_management_policy"] = certificate_management_policy
        if resolves_to is not UNSET:
            field_dict["resolves_to"] = resolves_to

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.reserved_domain_cert_policy import ReservedDomainCertPolicy  # noqa: PLC0415
        from ..models.reserved_domain_resolves_to import ReservedDomainResolvesTo  # noqa: PLC0415

        d = dict(src_dict)
        domain = d.pop("domain")

        region = d.pop("region", UNSET)

        description = d.pop("description", UNSET)

        metadata = d.pop("metadata", UNSET)

        certificate_id = d.pop("certificate_id", UNSET)

        _certificate_management_policy = d.pop("certificate_management_policy", UNSET)
        certificate_management_policy: ReservedDomainCertPolicy | Unset
        if isinstance(_certificate_management_policy, Unset):
            certificate_management_policy = UNSET
        else:
            certificate_management_policy = ReservedDomainCertPolicy.from_dict(_certificate_management_policy)

        _resolves_to = d.pop("resolves_to", UNSET)
        resolves_to: list[ReservedDomainResolvesTo] | Unset = UNSET
        if _resolves_to is not UNSET:
            resolves_to = []
            for resolves_to_item_data in _resolves_to:
                resolves_to_item = ReservedDomainResolvesTo.from_dict(resolves_to_item_data)

                resolves_to.append(resolves_to_item)

        reserved_domain_create = cls(
            domain=domain,
            region=region,
            description=description,
            metadata=metadata,
            certificate_id=certificate_id,
            certificate_management_policy=certificate_management_policy,
            resolves_to=resolves_to,
        )

        reserved_domain_create.additional_properties = d
        return reserved_domain_create

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
