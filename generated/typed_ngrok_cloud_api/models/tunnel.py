from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.ref import Ref
    from ..models.tunnel_labels import TunnelLabels


T = TypeVar("T", bound="Tunnel")


@_attrs_define
class Tunnel:
    """An online tunnel. Labeled tunnels have no `public_url` and no `proto`.

    Attributes:
        id (str): `tn_...`
        started_at (datetime.datetime):
        public_url (str | Unset):
        metadata (str | Unset):
        proto (str | Unset): `http`, `https`, `tcp` or `tls`.
        region (str | Unset):
        tunnel_session (None | Ref | Unset):
        endpoint (None | Ref | Unset):
        labels (TunnelLabels | Unset): Labels of a labeled (backend) tunnel.
        backends (list[Ref] | Unset):
        forwards_to (str | Unset): The agent's upstream, e.g. `http://localhost:80`.
    """

    id: str
    started_at: datetime.datetime
    public_url: str | Unset = UNSET
    metadata: str | Unset = UNSET
    proto: str | Unset = UNSET
    region: str | Unset = UNSET
    tunnel_session: None | Ref | Unset = UNSET
    endpoint: None | Ref | Unset = UNSET
    labels: TunnelLabels | Unset = UNSET
    backends: list[Ref] | Unset = UNSET
    forwards_to: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.ref import Ref  # noqa: PLC0415

        id = self.id

        started_at = self.started_at.isoformat()

        public_url = self.public_url

        metadata = self.metadata

        proto = self.proto

        region = self.region

        tunnel_session: dict[str, Any] | None | Unset
        if isinstance(self.tunnel_session, Unset):
            tunnel_session = UNSET
        elif isinstance(self.tunnel_session, Ref):
            tunnel_session = self.tunnel_session.to_dict()
        else:
            tunnel_session = self.tunnel_session

        endpoint: dict[str, Any] | None | Unset
        if isinstance(self.endpoint, Unset):
            endpoint = UNSET
        elif isinstance(self.endpoint, Ref):
            endpoint = self.endpoint.to_dict()
        else:
            endpoint = self.endpoint

        labels: dict[str, Any] | Unset = UNSET
        if not isinstance(self.labels, Unset):
            labels = self.labels.to_dict()

        backends: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.backends, Unset):
            backends = []
            for backends_item_data in self.backends:
                backends_item = backends_item_data.to_dict()
                backends.append(backends_item)

        forwards_to = self.forwards_to

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "started_at": started_at,
            }
        )
        if public_url is not UNSET:
            field_dict["public_url"] = public_url
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if proto is not UNSET:
            field_dict["proto"] = proto
        if region is not UNSET:
            field_dict["region"] = region
        if tunnel_session is not UNSET:
            field_dict["tunnel_session"] = tunnel_session
        if endpoint is not UNSET:
            field_dict["endpoint"] = endpoint
        if labels is not UNSET:
            field_dict["labels"] = labels
        if backends is not UNSET:
            field_dict["backends"] = backends
        if forwards_to is not UNSET:
            field_dict["forwards_to"] = forwards_to

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ref import Ref  # noqa: PLC0415
        from ..models.tunnel_labels import TunnelLabels  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        public_url = d.pop("public_url", UNSET)

        metadata = d.pop("metadata", UNSET)

        proto = d.pop("proto", UNSET)

        region = d.pop("region", UNSET)

        def _parse_tunnel_session(data: object) -> None | Ref | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                tunnel_session_type_0 = Ref.from_dict(data)

                return tunnel_session_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Ref | Unset, data)

        tunnel_session = _parse_tunnel_session(d.pop("tunnel_session", UNSET))

        def _parse_endpoint(data: object) -> None | Ref | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                endpoint_type_0 = Ref.from_dict(data)

                return endpoint_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Ref | Unset, data)

        endpoint = _parse_endpoint(d.pop("endpoint", UNSET))

        _labels = d.pop("labels", UNSET)
        labels: TunnelLabels | Unset
        if isinstance(_labels, Unset):
            labels = UNSET
        else:
            labels = TunnelLabels.from_dict(_labels)

        _backends = d.pop("backends", UNSET)
        backends: list[Ref] | Unset = UNSET
        if _backends is not UNSET:
            backends = []
            for backends_item_data in _backends:
                backends_item = Ref.from_dict(backends_item_data)

                backends.append(backends_item)

        forwards_to = d.pop("forwards_to", UNSET)

        tunnel = cls(
            id=id,
            started_at=started_at,
            public_url=public_url,
            metadata=metadata,
            proto=proto,
            region=region,
            tunnel_session=tunnel_session,
            endpoint=endpoint,
            labels=labels,
            backends=backends,
            forwards_to=forwards_to,
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
