from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.error_details import ErrorDetails


T = TypeVar("T", bound="Error")


@_attrs_define
class Error:
    """Every agent error body. Handler errors carry an integer error_code (100 tunnel not found, 102 invalid tunnel
    configuration, 103 failed to start tunnel, 104 not yet ready, 106 request entry not found, 107 internal error, 108
    failed to unescape tunnel name); router/codec errors (unknown path, 405, 406, 415, 400 deserialize) have none.

        Attributes:
            status_code (int): The HTTP status, repeated.
            msg (str): The message, e.g. "tunnel not found".
            error_code (int | Unset): The agent's numeric error code; absent on router/codec errors.
            details (ErrorDetails | Unset): Free-form details; values are usually strings (err, name, id, path) but may be
                lists.
    """

    status_code: int
    msg: str
    error_code: int | Unset = UNSET
    details: ErrorDetails | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status_code = self.status_code

        msg = self.msg

        error_code = self.error_code

        details: dict[str, Any] | Unset = UNSET
        if not isinstance(self.details, Unset):
            details = self.details.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status_code": status_code,
                "msg": msg,
            }
        )
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if details is not UNSET:
            field_dict["details"] = details

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_details import ErrorDetails  # noqa: PLC0415

        d = dict(src_dict)
        status_code = d.pop("status_code")

        msg = d.pop("msg")

        error_code = d.pop("error_code", UNSET)

        _details = d.pop("details", UNSET)
        details: ErrorDetails | Unset
        if isinstance(_details, Unset):
            details = UNSET
        else:
            details = ErrorDetails.from_dict(_details)

        error = cls(
            status_code=status_code,
            msg=msg,
            error_code=error_code,
            details=details,
        )

        error.additional_properties = d
        return error

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
