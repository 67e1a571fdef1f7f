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
    """The API's error body. `error_code` is a STRING (`ERR_NGROK_<n>`), unlike the agent API's integers.

    Attributes:
        error_code (str | Unset): e.g. ERR_NGROK_218
        status_code (int | Unset): The HTTP status repeated.
        msg (str | Unset): Human-readable message.
        details (ErrorDetails | Unset): More facts about the error; may hold keys beyond `operation_id`.
    """

    error_code: str | Unset = UNSET
    status_code: int | Unset = UNSET
    msg: str | Unset = UNSET
    details: ErrorDetails | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error_code = self.error_code

        status_code = self.status_code

        msg = self.msg

        details: dict[str, Any] | Unset = UNSET
        if not isinstance(self.details, Unset):
            details = self.details.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if status_code is not UNSET:
            field_dict["status_code"] = status_code
        if msg is not UNSET:
            field_dict["msg"] = msg
        if details is not UNSET:
            field_dict["details"] = details

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_details import ErrorDetails  # noqa: PLC0415

        d = dict(src_dict)
        error_code = d.pop("error_code", UNSET)

        status_code = d.pop("status_code", UNSET)

        msg = d.pop("msg", UNSET)

        _details = d.pop("details", UNSET)
        details: ErrorDetails | Unset
        if isinstance(_details, Unset):
            details = UNSET
        else:
            details = ErrorDetails.from_dict(_details)

        error = cls(
            error_code=error_code,
            status_code=status_code,
            msg=msg,
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
