from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.captured_http_request import CapturedHttpRequest
    from ..models.captured_http_response import CapturedHttpResponse


T = TypeVar("T", bound="CapturedRequest")


@_attrs_define
class CapturedRequest:
    """
    Attributes:
        id (str): Opaque (airt_… on 2.3.41).
        uri (str | Unset):
        tunnel_name (str | Unset):
        remote_addr (str | Unset): The client address, or "replayed".
        start (str | Unset): RFC 3339 time, e.g. 2026-11-22T11:41:54Z or with a local offset.
        duration (int | Unset): Nanoseconds.
        request (CapturedHttpRequest | Unset):
        response (CapturedHttpResponse | None | Unset): The upstream's response. While it is pending 2.3.41 sends a
            CapturedHttpResponse with empty values (status "", status_code 0, proto "", headers and raw null); ngrok's docs
            describe null instead.
    """

    id: str
    uri: str | Unset = UNSET
    tunnel_name: str | Unset = UNSET
    remote_addr: str | Unset = UNSET
    start: str | Unset = UNSET
    duration: int | Unset = UNSET
    request: CapturedHttpRequest | Unset = UNSET
    response: CapturedHttpResponse | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.captured_http_response import CapturedHttpResponse  # noqa: PLC0415

        id = self.id

        uri = self.uri

        tunnel_name = self.tunnel_name

        remote_addr = self.remote_addr

        start = self.start

        duration = self.duration

        request: dict[str, Any] | Unset = UNSET
        if not isinstance(self.request, Unset):
            request = self.request.to_dict()

        response: dict[str, Any] | None | Unset
        if isinstance(self.response, Unset):
            response = UNSET
        elif isinstance(self.response, CapturedHttpResponse):
            response = self.response.to_dict()
        else:
            response = self.response

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
            }
        )
        if uri is not UNSET:
            field_dict["uri"] = uri
        if tunnel_name is not UNSET:
            field_dict["tunnel_name"] = tunnel_name
        if remote_addr is not UNSET:
            field_dict["remote_addr"] = remote_addr
        if start is not UNSET:
            field_dict["start"] = start
        if duration is not UNSET:
            field_dict["duration"] = duration
        if request is not UNSET:
            field_dict["request"] = request
        if response is not UNSET:
            field_dict["response"] = response

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.captured_http_request import CapturedHttpRequest  # noqa: PLC0415
        from ..models.captured_http_response import CapturedHttpResponse  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        uri = d.pop("uri", UNSET)

        tunnel_name = d.pop("tunnel_name", UNSET)

        remote_addr = d.pop("remote_addr", UNSET)

        start = d.pop("start", UNSET)

        duration = d.pop("duration", UNSET)

        _request = d.pop("request", UNSET)
        request: CapturedHttpRequest | Unset
        if isinstance(_request, Unset):
            request = UNSET
        else:
            request = CapturedHttpRequest.from_dict(_request)

        def _parse_response(data: object) -> CapturedHttpResponse | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_type_0 = CapturedHttpResponse.from_dict(data)

                return response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CapturedHttpResponse | None | Unset, data)

        response = _parse_response(d.pop("response", UNSET))

        captured_request = cls(
            id=id,
            uri=uri,
            tunnel_name=tunnel_name,
            remote_addr=remote_addr,
            start=start,
            duration=duration,
            request=request,
            response=response,
        )

        captured_request.additional_properties = d
        return captured_request

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
