from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.endpoint_definition_bindings_item import (
    EndpointDefinitionBindingsItem,
    check_endpoint_definition_bindings_item,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.agent_tls_termination import AgentTlsTermination
    from ..models.endpoint_upstream_definition import EndpointUpstreamDefinition
    from ..models.traffic_policy import TrafficPolicy


T = TypeVar("T", bound="EndpointDefinition")


@_attrs_define
class EndpointDefinition:
    """
    Attributes:
        name (str):
        url (str | Unset): A URL, a scheme only ("https://"), or empty for a random https URL.
        upstream (EndpointUpstreamDefinition | Unset):
        traffic_policy (str | TrafficPolicy | Unset): A traffic policy document, as an object or as YAML/JSON text.
        pooling_enabled (bool | Unset):
        bindings (list[EndpointDefinitionBindingsItem] | Unset):
        metadata (str | Unset):
        description (str | Unset):
        agent_tls_termination (AgentTlsTermination | Unset):
    """

    name: str
    url: str | Unset = UNSET
    upstream: EndpointUpstreamDefinition | Unset = UNSET
    traffic_policy: str | TrafficPolicy | Unset = UNSET
    pooling_enabled: bool | Unset = UNSET
    bindings: list[EndpointDefinitionBindingsItem] | Unset = UNSET
    metadata: str | Unset = UNSET
    description: str | Unset = UNSET
    agent_tls_termination: AgentTlsTermination | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.traffic_policy import TrafficPolicy  # noqa: PLC0415

        name = self.name

        url = self.url

        upstream: dict[str, Any] | Unset = UNSET
        if not isinstance(self.upstream, Unset):
            upstream = self.upstream.to_dict()

        traffic_policy: dict[str, Any] | str | Unset
        if isinstance(self.traffic_policy, Unset):
            traffic_policy = UNSET
        elif isinstance(self.traffic_policy, TrafficPolicy):
            traffic_policy = self.traffic_policy.to_dict()
        else:
            traffic_policy = self.traffic_policy

        pooling_enabled = self.pooling_enabled

        bindings: list[str] | Unset = UNSET
        if not isinstance(self.bindings, Unset):
            bindings = []
            for bindings_item_data in self.bindings:
                bindings_item: str = bindings_item_data
                bindings.append(bindings_item)

        metadata = self.metadata

        description = self.description

        agent_tls_termination: dict[str, Any] | Unset = UNSET
        if not isinstance(self.agent_tls_termination, Unset):
            agent_tls_termination = self.agent_tls_termination.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if url is not UNSET:
            field_dict["url"] = url
        if upstream is not UNSET:
            field_dict["upstream"] = upstream
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
        if agent_tls_termination is not UNSET:
            field_dict["agent_tls_termination"] = agent_tls_termination

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.agent_tls_termination import AgentTlsTermination  # noqa: PLC0415
        from ..models.endpoint_upstream_definition import EndpointUpstreamDefinition  # noqa: PLC0415
        from ..models.traffic_policy import TrafficPolicy  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        url = d.pop("url", UNSET)

        _upstream = d.pop("upstream", UNSET)
        upstream: EndpointUpstreamDefinition | Unset
        if isinstance(_upstream, Unset):
            upstream = UNSET
        else:
            upstream = EndpointUpstreamDefinition.from_dict(_upstream)

        def _parse_traffic_policy(data: object) -> str | TrafficPolicy | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                traffic_policy_type_0 = TrafficPolicy.from_dict(data)

                return traffic_policy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | TrafficPolicy | Unset, data)

        traffic_policy = _parse_traffic_policy(d.pop("traffic_policy", UNSET))

        pooling_enabled = d.pop("pooling_enabled", UNSET)

        _bindings = d.pop("bindings", UNSET)
        bindings: list[EndpointDefinitionBindingsItem] | Unset = UNSET
        if _bindings is not UNSET:
            bindings = []
            for bindings_item_data in _bindings:
                bindings_item = check_endpoint_definition_bindings_item(bindings_item_data)

                bindings.append(bindings_item)

        metadata = d.pop("metadata", UNSET)

        description = d.pop("description", UNSET)

        _agent_tls_termination = d.pop("agent_tls_termination", UNSET)
        agent_tls_termination: AgentTlsTermination | Unset
        if isinstance(_agent_tls_termination, Unset):
            agent_tls_termination = UNSET
        else:
            agent_tls_termination = AgentTlsTermination.from_dict(_agent_tls_termination)

        endpoint_definition = cls(
            name=name,
            url=url,
            upstream=upstream,
            traffic_policy=traffic_policy,
            pooling_enabled=pooling_enabled,
            bindings=bindings,
            metadata=metadata,
            description=description,
            agent_tls_termination=agent_tls_termination,
        )

        endpoint_definition.additional_properties = d
        return endpoint_definition

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
