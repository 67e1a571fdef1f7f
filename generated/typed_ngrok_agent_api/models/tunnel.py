from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.metrics import Metrics
    from ..models.tunnel_config import TunnelConfig


T = TypeVar("T", bound="Tunnel")


@_attrs_define
class Tunnel:
    """
    Attributes:
        name (str):
        uri (str): Percent-encoded, e.g. /api/tunnels/web%20%28http%29.
        public_url (str):
        proto (str): https, http, tcp or tls.
        config (TunnelConfig | Unset):
        metrics (Metrics | Unset):
    """

    name: str
    uri: str
    public_url: str
    proto: str
    config: TunnelConfig | Unset = UNSET
    metrics: Metrics | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        uri = self.uri

        public_url = self.public_url

        proto = self.proto

        config: dict[str, Any] | Unset = UNSET
        if not isinstance(self.config, Unset):
            config = self.config.to_dict()

        metrics: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metrics, Unset):
            metrics = self.metrics.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "uri": uri,
                "public_url": public_url,
                "proto": proto,
            }
        )
        if config is not UNSET:
            field_dict["config"] = config
        if metrics is not UNSET:
            field_dict["metrics"] = metrics

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.metrics import Metrics  # noqa: PLC0415
        from ..models.tunnel_config import TunnelConfig  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        uri = d.pop("uri")

        public_url = d.pop("public_url")

        proto = d.pop("proto")

        _config = d.pop("config", UNSET)
        config: TunnelConfig | Unset
        if isinstance(_config, Unset):
            config = UNSET
        else:
            config = TunnelConfig.from_dict(_config)

        _metrics = d.pop("metrics", UNSET)
        metrics: Metrics | Unset
        if isinstance(_metrics, Unset):
            metrics = UNSET
        else:
            metrics = Metrics.from_dict(_metrics)

        tunnel = cls(
            name=name,
            uri=uri,
            public_url=public_url,
            proto=proto,
            config=config,
            metrics=metrics,
        )

        tunnel.additional_properties = d
        return tunnel

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
