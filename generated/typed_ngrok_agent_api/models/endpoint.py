from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.endpoint_upstream import EndpointUpstream
    from ..models.metrics import Metrics


T = TypeVar("T", bound="Endpoint")


@_attrs_define
class Endpoint:
    """
    Attributes:
        name (str):
        uri (str | Unset):
        url (str | Unset):
        upstream (EndpointUpstream | Unset):
        inspect (bool | Unset):
        traffic_policy (str | Unset): The policy as YAML text (the API echoes objects as a string).
        pooling_enabled (bool | Unset):
        bindings (list[str] | Unset):
        metadata (str | Unset):
        description (str | Unset):
        metrics (Metrics | Unset):
    """

    name: str
    uri: str | Unset = UNSET
    url: str | Unset = UNSET
    upstream: EndpointUpstream | Unset = UNSET
    inspect: bool | Unset = UNSET
    traffic_policy: str | Unset = UNSET
    pooling_enabled: bool | Unset = UNSET
    bindings: list[str] | Unset = UNSET
    metadata: str | Unset = UNSET
    description: str | Unset = UNSET
    metrics: Metrics | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        uri = self.uri

        url = self.url

        upstream: dict[str, Any] | Unset = UNSET
        if not isinstance(self.upstream, Unset):
            upstream = self.upstream.to_dict()

        inspect = self.inspect

        traffic_policy = self.traffic_policy

        pooling_enabled = self.pooling_enabled

        bindings: list[str] | Unset = UNSET
        if not isinstance(self.bindings, Unset):
            bindings = self.bindings

        metadata = self.metadata

        description = self.description

        metrics: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metrics, Unset):
            metrics = self.metrics.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if uri is not UNSET:
            field_dict["uri"] = uri
        if url is not UNSET:
            field_dict["url"] = url
        if upstream is not UNSET:
            field_dict["upstream"] = upstream
        if inspect is not UNSET:
            field_dict["inspect"] = inspect
        if traffic_policy is not UNSET:
            field_dict["traffic_policy"] = traffic_policy
        if pooling_enabled is not UNSET:
            field_dict["pooling_enabled"] = pooling_enabled
        if bindings is not UNSET:
            field_dict["bindings"] = bindings
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if description is not UNSET:
            field_dict["description"] = description
        if metrics is not UNSET:
            field_dict["metrics"] = metrics

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.endpoint_upstream import EndpointUpstream  # noqa: PLC0415
        from ..models.metrics import Metrics  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        uri = d.pop("uri", UNSET)

        url = d.pop("url", UNSET)

        _upstream = d.pop("upstream", UNSET)
        upstream: EndpointUpstream | Unset
        if isinstance(_upstream, Unset):
            upstream = UNSET
        else:
            upstream = EndpointUpstream.from_dict(_upstream)

        inspect = d.pop("inspect", UNSET)

        traffic_policy = d.pop("traffic_policy", UNSET)

        pooling_enabled = d.pop("pooling_enabled", UNSET)

        bindings = cast(list[str], d.pop("bindings", UNSET))

        metadata = d.pop("metadata", UNSET)

        description = d.pop("description", UNSET)

        _metrics = d.pop("metrics", UNSET)
        metrics: Metrics | Unset
        if isinstance(_metrics, Unset):
            metrics = UNSET
        else:
            metrics = Metrics.from_dict(_metrics)

        endpoint = cls(
            name=name,
            uri=uri,
            url=url,
            upstream=upstream,
            inspect=inspect,
            traffic_policy=traffic_policy,
            pooling_enabled=pooling_enabled,
            bindings=bindings,
            metadata=metadata,
            description=description,
            metrics=metrics,
        )

        endpoint.additional_properties = d
        return endpoint

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
