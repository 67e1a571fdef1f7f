from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.reserved_domain_cert_job import ReservedDomainCertJob


T = TypeVar("T", bound="ReservedDomainCertStatus")


@_attrs_define
class ReservedDomainCertStatus:
    """
    Attributes:
        renews_at (datetime.datetime | None | Unset):
        provisioning_job (None | ReservedDomainCertJob | Unset):
    """

    renews_at: datetime.datetime | None | Unset = UNSET
    provisioning_job: None | ReservedDomainCertJob | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.reserved_domain_cert_job import ReservedDomainCertJob  # noqa: PLC0415

        renews_at: None | str | Unset
        if isinstance(self.renews_at, Unset):
            renews_at = UNSET
        elif isinstance(self.renews_at, datetime.datetime):
            renews_at = self.renews_at.isoformat()
        else:
            renews_at = self.renews_at

        provisioning_job: dict[str, Any] | None | Unset
        if isinstance(self.provisioning_job, Unset):
            provisioning_job = UNSET
        elif isinstance(self.provisioning_job, ReservedDomainCertJob):
            provisioning_job = self.provisioning_job.to_dict()
        else:
            provisioning_job = self.provisioning_job

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if renews_at is not UNSET:
            field_dict["renews_at"] = renews_at
        if provisioning_job is not UNSET:
            field_dict["provisioning_job"] = provisioning_job

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.reserved_domain_cert_job import ReservedDomainCertJob  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_renews_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                renews_at_type_0 = datetime.datetime.fromisoformat(data)

                return renews_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        renews_at = _parse_renews_at(d.pop("renews_at", UNSET))

        def _parse_provisioning_job(data: object) -> None | ReservedDomainCertJob | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                provisioning_job_type_0 = ReservedDomainCertJob.from_dict(data)

                return provisioning_job_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReservedDomainCertJob | Unset, data)

        provisioning_job = _parse_provisioning_job(d.pop("provisioning_job", UNSET))

        reserved_domain_cert_status = cls(
            renews_at=renews_at,
            provisioning_job=provisioning_job,
        )

        reserved_domain_cert_status.additional_properties = d
        return reserved_domain_cert_status

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
