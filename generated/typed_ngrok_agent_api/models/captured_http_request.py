from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.headers import Headers


T = TypeVar("T", bound="CapturedHttpRequest")


@_attrs_define
class CapturedHttpRequest:
    """
    Attributes:
        method (str | Unset):
        proto (str | Unset):
        headers (Headers | Unset): Header name to the list of its values.
        uri (str | Unset):
        raw (str | Unset): Standard base64 of the full wire bytes.
    """

    method: str | Unset = UNSET
    proto: str | Unset = UNSET
    headers: Headers | Unset = UNSET
    uri: str | Unset = UNSET
    raw: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        method = self.method

        proto = self.proto

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        uri = self.uri

        raw = self.raw

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if method is not UNSET:
            field_dict["method"] = method
        if proto is not UNSET:
            field_dict["proto"] = proto
        if headers is not UNSET:
            field_dict["headers"] = headers
        if uri is not UNSET:
            field_dict["uri"] = uri
        if raw is not UNSET:
            field_dict["raw"] = raw

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.headers import Headers  # noqa: PLC0415

        d = dict(src_dict)
        method = d.pop("method", UNSET)

        proto = d.pop("proto", UNSET)

        _headers = d.pop("headers", UNSET)
        headers: Headers | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = Headers.from_dict(_headers)

        uri = d.pop("uri", UNSET)

        raw = d.pop("raw", UNSET)

        captured_http_request = cls(
            method=method,
            proto=proto,
            headers=headers,
            uri=uri,
            raw=raw,
        )

        captured_http_request.additional_properties = d
        return captured_http_request

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
