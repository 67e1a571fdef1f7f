from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.ref import Ref
    from ..models.reserved_domain_cert_policy import ReservedDomainCertPolicy
    from ..models.reserved_domain_cert_status import ReservedDomainCertStatus
    from ..models.reserved_domain_resolves_to import ReservedDomainResolvesTo


T = TypeVar("T", bound="ReservedDomain")


@_attrs_define
class ReservedDomain:
    """A reserved domain. Live responses also carry fields described nowhere (`is_dev`, `error_redirect_url`,
    `http_endpoint_configuration`, `https_endpoint_configuration`); they are kept in `additional_properties`.

        Attributes:
            id (str): `rd_...`
            uri (str):
            created_at (datetime.datetime):
            domain (str):
            description (str | Unset):
            metadata (str | Unset):
            region (str | Unset): Deprecated (domains are global).
            cname_target (None | str | Unset): The DNS CNAME target; null for ngrok subdomains.
            certificate (None | Ref | Unset): The TLS certificate used for this domain, or null.
            certificate_management_policy (None | ReservedDomainCertPolicy | Unset):
            certificate_management_status (None | ReservedDomainCertStatus | Unset):
            acme_challenge_cname_target (None | str | Unset):
            resolves_to (list[ReservedDomainResolvesTo] | None | Unset):
    """

    id: str
    uri: str
    created_at: datetime.datetime
    domain: str
    description: str | Unset = UNSET
    metadata: str | Unset = UNSET
    region: str | Unset = UNSET
    cname_target: None | str | Unset = UNSET
    certificate: None | Ref | Unset = UNSET
    certificate_management_policy: None | ReservedDomainCertPolicy | Unset = UNSET
    certificate_management_status: None | ReservedDomainCertStatus | Unset = UNSET
    acme_challenge_cname_target: None | str | Unset = UNSET
    resolves_to: list[ReservedDomainResolvesTo] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.ref import Ref  # noqa: PLC0415
        from ..models.reserved_domain_cert_policy import ReservedDomainCertPolicy  # noqa: PLC0415
        from ..models.reserved_domain_cert_status import ReservedDomainCertStatus  # noqa: PLC0415

        id = self.id

        uri = self.uri

        created_at = self.created_at.isoformat()

        domain = self.domain

        description = self.description

        metadata = self.metadata

        region = self.region

        cname_target: None | str | Unset
        if isinstance(self.cname_target, Unset):
            cname_target = UNSET
        else:
            cname_target = self.cname_target

        certificate: dict[str, Any] | None | Unset
        if isinstance(self.certificate, Unset):
            certificate = UNSET
        elif isinstance(self.certificate, Ref):
            certificate = self.certificate.to_dict()
        else:
            certificate = self.certificate

        certificate_management_policy: dict[str, Any] | None | Unset
        if isinstance(self.certificate_management_policy, Unset):
            certificate_management_policy = UNSET
        elif isinstance(self.certificate_management_policy, ReservedDomainCertPolicy):
            certificate_management_policy = self.certificate_management_policy.to_dict()
        else:
            certificate_management_policy = self.certificate_management_policy

        certificate_management_status: dict[str, Any] | None | Unset
        if isinstance(self.certificate_management_status, Unset):
            certificate_management_status = UNSET
        elif isinstance(self.certificate_management_status, ReservedDomainCertStatus):
            certificate_management_status = self.certificate_management_status.to_dict()
        else:
            certificate_management_status = self.certificate_management_status

        acme_challenge_cname_target: None | str | Unset
        if isinstance(self.acme_challenge_cname_target, Unset):
            acme_challenge_cname_target = UNSET
        else:
            acme_challenge_cname_target = self.acme_challenge_cname_target

        resolves_to: list[dict[str, Any]] | None | Unset
        if isinstance(self.resolves_to, Unset):
            resolves_to = UNSET
        elif isinstance(self.resolves_to, list):
            resolves_to = []
            for resolves_to_type_0_item_data in self.resolves_to:
                resolves_to_type_0_item = resolves_to_type_0_item_data.to_dict()
                resolves_to.append(resolves_to_type_0_item)

        else:
            resolves_to = self.resolves_to

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "uri": uri,
                "created_at": created_at,
                "domain": domain,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if region is not UNSET:
            field_dict["region"] = region
        if cname_target is not UNSET:
            field_dict["cname_target"] = cname_target
        if certificate is not UNSET:
            field_dict["certificate"] = certificate
        if certificate_management_policy is not UNSET:
            field_dict["certificate_management_policy"] = certificate_management_policy
        if certificate_management_status is not UNSET:
            field_dict["certificate_management_status"] = certificate_management_status
        if acme_challenge_cname_target is not UNSET:
            field_dict["acme_challenge_cname_target"] = acme_challenge_cname_target
        if resolves_to is not UNSET:
            field_dict["resolves_to"] = resolves_to

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ref import Ref  # noqa: PLC0415
        from ..models.reserved_domain_cert_policy import ReservedDomainCertPolicy  # noqa: PLC0415
        from ..models.reserved_domain_cert_status import ReservedDomainCertStatus  # noqa: PLC0415
        from ..models.reserved_domain_resolves_to import ReservedDomainResolvesTo  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        uri = d.pop("uri")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        domain = d.pop("domain")

        description = d.pop("description", UNSET)

        metadata = d.pop("metadata", UNSET)

        region = d.pop("region", UNSET)

        def _parse_cname_target(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cname_target = _parse_cname_target(d.pop("cname_target", UNSET))

        def _parse_certificate(data: object) -> None | Ref | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                certificate_type_0 = Ref.from_dict(data)

                return certificate_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Ref | Unset, data)

        certificate = _parse_certificate(d.pop("certificate", UNSET))

        def _parse_certificate_management_policy(data: object) -> None | ReservedDomainCertPolicy | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                certificate_management_policy_type_0 = ReservedDomainCertPolicy.from_dict(data)

                return certificate_management_policy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReservedDomainCertPolicy | Unset, data)

        certificate_management_policy = _parse_certificate_management_policy(
            d.pop("certificate_management_policy", UNSET)
        )

        def _parse_certificate_management_status(data: object) -> None | ReservedDomainCertStatus | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                certificate_management_status_type_0 = ReservedDomainCertStatus.from_dict(data)

                return certificate_management_status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReservedDomainCertStatus | Unset, data)

        certificate_management_status = _parse_certificate_management_status(
            d.pop("certificate_management_status", UNSET)
        )

        def _parse_acme_challenge_cname_target(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        acme_challenge_cname_target = _parse_acme_challenge_cname_target(d.pop("acme_challenge_cname_target", UNSET))

        def _parse_resolves_to(data: object) -> list[ReservedDomainResolvesTo] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                resolves_to_type_0 = []
                _resolves_to_type_0 = data
                for resolves_to_type_0_item_data in _resolves_to_type_0:
                    resolves_to_type_0_item = ReservedDomainResolvesTo.from_dict(resolves_to_type_0_item_data)

                    resolves_to_type_0.append(resolves_to_type_0_item)

                return resolves_to_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[ReservedDomainResolvesTo] | None | Unset, data)

        resolves_to = _parse_resolves_to(d.pop("resolves_to", UNSET))

        reserved_domain = cls(
            id=id,
            uri=uri,
            created_at=created_at,
            domain=domain,
            description=description,
            metadata=metadata,
            region=region,
            cname_target=cname_target,
            certificate=certificate,
            certificate_management_policy=certificate_management_policy,
            certificate_management_status=certificate_management_status,
            acme_challenge_cname_target=acme_challenge_cname_target,
            resolves_to=resolves_to,
        )

        reserved_domain.additional_properties = d
        return reserved_domain

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
