from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.headers import Headers


T = TypeVar("T", bound="CapturedHttpResponse")


@_attrs_define
class CapturedHttpResponse:
    """A captured response. Pending (no answer from the upstream yet) it is {"status": "", "status_code": 0, "proto": "",
    "headers": null, "raw": null} on 2.3.41.

        Attributes:
            status (str | Unset): Empty while pending.
            status_code (int | Unset): 0 while pending.
            proto (str | Unset): Empty while pending.
            headers (Headers | None | Unset): Null while pending.
            raw (None | str | Unset): Standard base64 of the full wire bytes; null while pending.
    """

    status: str | Unset = UNSET
    status_code: int | Unset = UNSET
    proto: str | Unset = UNSET
    headers: Headers | None | Unset = UNSET
    raw: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.headers import Headers  # noqa: PLC0415

        status = self.status

        status_code = self.status_code

        proto = self.proto

        headers: dict[str, Any] | None | Unset
        if isinstance(self.headers, Unset):
            headers = UNSET
        elif isinstance(self.headers, Headers):
            headers = self.headers.to_dict()
        else:
            headers = self.headers

        raw: None | str | Unset
        if isinstance(self.raw, Unset):
            raw = UNSET
        else:
            raw = self.raw

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if status is not UNSET:
            field_dict["status"] = status
        if status_code is not UNSET:
            field_dict["status_code"] = status_code
        if proto is not UNSET:
            field_dict["proto"] = proto
        if headers is not UNSET:
            field_dict["headers"] = headers
        if raw is not UNSET:
            field_dict["raw"] = raw

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.headers import Headers  # noqa: PLC0415

        d = dict(src_dict)
        status = d.pop("status", UNSET)

        status_code = d.pop("status_code", UNSET)

        proto = d.pop("proto", UNSET)

        def _parse_headers(data: object) -> Headers | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                headers_type_0 = Headers.from_dict(data)

                return headers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Headers | None | Unset, data)

        headers = _parse_headers(d.pop("headers", UNSET))

        def _parse_raw(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        raw = _parse_raw(d.pop("raw", UNSET))

        captured_http_response = cls(
            status=status,
            status_code=status_code,
            proto=proto,
            headers=headers,
            raw=raw,
        )

        captured_http_response.additional_properties = d
        return captured_http_response

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
