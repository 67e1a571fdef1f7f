from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.traffic_policy_rule import TrafficPolicyRule


T = TypeVar("T", bound="TrafficPolicy")


@_attrs_define
class TrafficPolicy:
    """Phases map to lists of rules; rules are free-form.

    Attributes:
        on_http_request (list[TrafficPolicyRule] | Unset):
        on_http_response (list[TrafficPolicyRule] | Unset):
        on_tcp_connect (list[TrafficPolicyRule] | Unset):
    """

    on_http_request: list[TrafficPolicyRule] | Unset = UNSET
    on_http_response: list[TrafficPolicyRule] | Unset = UNSET
    on_tcp_connect: list[TrafficPolicyRule] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        on_http_request: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.on_http_request, Unset):
            on_http_request = []
            for on_http_request_item_data in self.on_http_request:
                on_http_request_item = on_http_request_item_data.to_dict()
                on_http_request.append(on_http_request_item)

        on_http_response: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.on_http_response, Unset):
            on_http_response = []
            for on_http_response_item_data in self.on_http_response:
                on_http_response_item = on_http_response_item_data.to_dict()
                on_http_response.append(on_http_response_item)

        on_tcp_connect: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.on_tcp_connect, Unset):
            on_tcp_connect = []
            for on_tcp_connect_item_data in self.on_tcp_connect:
                on_tcp_connect_item = on_tcp_connect_item_data.to_dict()
                on_tcp_connect.append(on_tcp_connect_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if on_http_request is not UNSET:
            field_dict["on_http_request"] = on_http_request
        if on_http_response is not UNSET:
            field_dict["on_http_response"] = on_http_response
        if on_tcp_connect is not UNSET:
            field_dict["on_tcp_connect"] = on_tcp_connect

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.traffic_policy_rule import TrafficPolicyRule  # noqa: PLC0415

        d = dict(src_dict)
        _on_http_request = d.pop("on_http_request", UNSET)
        on_http_request: list[TrafficPolicyRule] | Unset = UNSET
        if _on_http_request is not UNSET:
            on_http_request = []
            for on_http_request_item_data in _on_http_request:
                on_http_request_item = TrafficPolicyRule.from_dict(on_http_request_item_data)

                on_http_request.append(on_http_request_item)

        _on_http_response = d.pop("on_http_response", UNSET)
        on_http_response: list[TrafficPolicyRule] | Unset = UNSET
        if _on_http_response is not UNSET:
            on_http_response = []
            for on_http_response_item_data in _on_http_response:
                on_http_response_item = TrafficPolicyRule.from_dict(on_http_response_item_data)

                on_http_response.append(on_http_response_item)

        _on_tcp_connect = d.pop("on_tcp_connect", UNSET)
        on_tcp_connect: list[TrafficPolicyRule] | Unset = UNSET
        if _on_tcp_connect is not UNSET:
            on_tcp_connect = []
            for on_tcp_connect_item_data in _on_tcp_connect:
                on_tcp_connect_item = TrafficPolicyRule.from_dict(on_tcp_connect_item_data)

                on_tcp_connect.append(on_tcp_connect_item)

        traffic_policy = cls(
            on_http_request=on_http_request,
            on_http_response=on_http_response,
            on_tcp_connect=on_tcp_connect,
        )

        traffic_policy.additional_properties = d
        return traffic_policy

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
