from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ReservedDomainCertJob")


@_attrs_define
class ReservedDomainCertJob:
    """
    Attributes:
        error_code (None | str | Unset): Why provisioning is failing
        msg (str | Unset):
        started_at (datetime.datetime | None | Unset):
        retries_at (datetime.datetime | None | Unset):
    """

    error_code: None | str | Unset = UNSET
    msg: str | Unset = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    retries_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error_code: None | str | Unset
        if isinstance(self.error_code, Unset):
            error_code = UNSET
        else:
            error_code = self.error_code

        msg = self.msg

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        retries_at: None | str | Unset
        if isinstance(self.retries_at, Unset):
            retries_at = UNSET
        elif isinstance(self.retries_at, datetime.datetime):
            retries_at = self.retries_at.isoformat()
        else:
            retries_at = self.retries_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if msg is not UNSET:
            field_dict["msg"] = msg
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if retries_at is not UNSET:
            field_dict["retries_at"] = retries_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_error_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_code = _parse_error_code(d.pop("error_code", UNSET))

        msg = d.pop("msg", UNSET)

        def _parse_started_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        def _parse_retries_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                retries_at_type_0 = datetime.datetime.fromisoformat(data)

                return retries_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        retries_at = _parse_retries_at(d.pop("retries_at", UNSET))

        reserved_domain_cert_job = cls(
            error_code=error_code,
            msg=msg,
            started_at=started_at,
            retries_at=retries_at,
        )

        reserved_domain_cert_job.additional_properties = d
        return reserved_domain_cert_job

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
