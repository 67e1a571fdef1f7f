from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.ref import Ref


T = TypeVar("T", bound="Endpoint")


@_attrs_define
class Endpoint:
    """
    Attributes:
        id (str): `ep_...`
        uri (str):
        created_at (datetime.datetime):
        name (str | Unset):
        region (str | Unset):
        updated_at (datetime.datetime | Unset):
        url (str | Unset):
        public_url (str | Unset): Deprecated; use `url`.
        proto (str | Unset):
        scheme (str | Unset):
        host (str | Unset):
        port (int | Unset):
        hostport (str | Unset):
        type_ (str | Unset): `ephemeral`, `edge` or `cloud` (filters also use `agent`). A plain string: new kinds must
            parse.
        metadata (str | Unset):
        description (str | Unset):
        domain (None | Ref | Unset):
        tcp_addr (None | Ref | Unset):
        tunnel (None | Ref | Unset):
        edge (None | Ref | Unset):
        principal (None | Ref | Unset):
        tunnel_session (None | Ref | Unset):
        upstream_url (str | Unset):
        upstream_protocol (str | Unset):
        traffic_policy (str | Unset): The traffic policy as a JSON (or YAML) STRING.
        bindings (list[str] | Unset):
        pooling_enabled (bool | Unset):
    """

    id: str
    uri: str
    created_at: datetime.datetime
    name: str | Unset = UNSET
    region: str | Unset = UNSET
    updated_at: datetime.datetime | Unset = UNSET
    url: str | Unset = UNSET
    public_url: str | Unset = UNSET
    proto: str | Unset = UNSET
    scheme: str | Unset = UNSET
    host: str | Unset = UNSET
    port: int | Unset = UNSET
    hostport: str | Unset = UNSET
    type_: str | Unset = UNSET
    metadata: str | Unset = UNSET
    description: str | Unset = UNSET
    domain: None | Ref | Unset = UNSET
    tcp_addr: None | Ref | Unset = UNSET
    tunnel: None | Ref | Unset = UNSET
    edge: None | Ref | Unset = UNSET
    principal: None | Ref | Unset = UNSET
    tunnel_session: None | Ref | Unset = UNSET
    upstream_url: str | Unset = UNSET
    upstream_protocol: str | Unset = UNSET
    traffic_policy: str | Unset = UNSET
    bindings: list[str] | Unset = UNSET
    pooling_enabled: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.ref import Ref  # noqa: PLC0415

        id = self.id

        uri = self.uri

        created_at = self.created_at.isoformat()

        name = self.name

        region = self.region

        updated_at: str | Unset = UNSET
        if not isinstance(self.updated_at, Unset):
            updated_at = self.updated_at.isoformat()

        url = self.url

        public_url = self.public_url

        proto = self.proto

        scheme = self.scheme

        host = self.host

        port = self.port

        hostport = self.hostport

        type_ = self.type_

        metadata = self.metadata

        description = self.description

        domain: dict[str, Any] | None | Unset
        if isinstance(self.domain, Unset):
            domain = UNSET
        elif isinstance(self.domain, Ref):
            domain = self.domain.to_dict()
        else:
            domain = self.domain

        tcp_addr: dict[str, Any] | None | Unset
        if isinstance(self.tcp_addr, Unset):
            tcp_addr = UNSET
        elif isinstance(self.tcp_addr, Ref):
            tcp_addr = self.tcp_addr.to_dict()
        else:
            tcp_addr = self.tcp_addr

        tunnel: dict[str, Any] | None | Unset
        if isinstance(self.tunnel, Unset):
            tunnel = UNSET
        elif isinstance(self.tunnel, Ref):
            tunnel = self.tunnel.to_dict()
        else:
            tunnel = self.tunnel

        edge: dict[str, Any] | None | Unset
        if isinstance(self.edge, Unset):
            edge = UNSET
        elif isinstance(self.edge, Ref):
            edge = self.edge.to_dict()
        else:
            edge = self.edge

        principal: dict[str, Any] | None | Unset
        if isinstance(self.principal, Unset):
            principal = UNSET
        elif isinstance(self.principal, Ref):
            principal = self.principal.to_dict()
        else:
            principal = self.principal

        tunnel_session: dict[str, Any] | None | Unset
        if isinstance(self.tunnel_session, Unset):
            tunnel_session = UNSET
        elif isinstance(self.tunnel_session, Ref):
            tunnel_session = self.tunnel_session.to_dict()
        else:
            tunnel_session = self.tunnel_session

        upstream_url = self.upstream_url

        upstream_protocol = self.upstream_protocol

        traffic_policy = self.traffic_policy

        bindings: list[str] | Unset = UNSET
        if not isinstance(self.bindings, Unset):
            bindings = self.bindings

        pooling_enabled = self.pooling_enabled

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "uri": uri,
                "created_at": created_at,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if region is not UNSET:
            field_dict["region"] = region
        if updated_at is not UNSET:
            field_dict["updated_at"] = updated_at
        if url is not UNSET:
            field_dict["url"] = url
        if public_url is not UNSET:
            field_dict["public_url"] = public_url
        if proto is not UNSET:
            field_dict["proto"] = proto
        if scheme is not UNSET:
            field_dict["scheme"] = scheme
        if host is not UNSET:
            field_dict["host"] = host
        if port is not UNSET:
            field_dict["port"] = port
        if hostport is not UNSET:
            field_dict["hostport"] = hostport
        if type_ is not UNSET:
            field_dict["type"] = type_
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if description is not UNSET:
            field_dict["description"] = description
        if domain is not UNSET:
            field_dict["domain"] = domain
        if tcp_addr is not UNSET:
            field_dict["tcp_addr"] = tcp_addr
        if tunnel is not UNSET:
            field_dict["tunnel"] = tunnel
        if edge is not UNSET:
            field_dict["edge"] = edge
        if principal is not UNSET:
            field_dict["principal"] = principal
        if tunnel_session is not UNSET:
            field_dict["tunnel_session"] = tunnel_session
        if upstream_url is not UNSET:
            field_dict["upstream_url"] = upstream_url
        if upstream_protocol is not UNSET:
            field_dict["upstream_protocol"] = upstream_protocol
        if traffic_policy is not UNSET:
            field_dict["traffic_policy"] = traffic_policy
        if bindings is not UNSET:
            field_dict["bindings"] = bindings
        if pooling_enabled is not UNSET:
            field_dict["pooling_enabled"] = pooling_enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ref import Ref  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        uri = d.pop("uri")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        name = d.pop("name", UNSET)

        region = d.pop("region", UNSET)

        _updated_at = d.pop("updated_at", UNSET)
        updated_at: datetime.datetime | Unset
        if isinstance(_updated_at, Unset):
            updated_at = UNSET
        else:
            updated_at = datetime.datetime.fromisoformat(_updated_at)

        url = d.pop("url", UNSET)

        public_url = d.pop("public_url", UNSET)

        proto = d.pop("proto", UNSET)

        scheme = d.pop("scheme", UNSET)

        host = d.pop("host", UNSET)

        port = d.pop("port", UNSET)

        hostport = d.pop("hostport", UNSET)

        type_ = d.pop("type", UNSET)

        metadata = d.pop("metadata", UNSET)

        description = d.pop("description", UNSET)

        def _parse_domain(data: object) -> None | Ref | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                domain_type_0 = Ref.from_dict(data)

                return domain_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Ref | Unset, data)

        domain = _parse_domain(d.pop("domain", UNSET))

        def _parse_tcp_addr(data: object) -> None | Ref | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                tcp_addr_type_0 = Ref.from_dict(data)

                return tcp_addr_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Ref | Unset, data)

        tcp_addr = _parse_tcp_addr(d.pop("tcp_addr", UNSET))

        def _parse_tunnel(data: object) -> None | Ref | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                tunnel_type_0 = Ref.from_dict(data)

                return tunnel_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Ref | Unset, data)

        tunnel = _parse_tunnel(d.pop("tunnel", UNSET))

        def _parse_edge(data: object) -> None | Ref | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                edge_type_0 = Ref.from_dict(data)

                return edge_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Ref | Unset, data)

        edge = _parse_edge(d.pop("edge", UNSET))

        def _parse_principal(data: object) -> None | Ref | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                principal_type_0 = Ref.from_dict(data)

                return principal_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Ref | Unset, data)

        principal = _parse_principal(d.pop("principal", UNSET))

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

        upstream_url = d.pop("upstream_url", UNSET)

        upstream_protocol = d.pop("upstream_protocol", UNSET)

        traffic_policy = d.pop("traffic_policy", UNSET)

        bindings = cast(list[str], d.pop("bindings", UNSET))

        pooling_enabled = d.pop("pooling_enabled", UNSET)

        endpoint = cls(
            id=id,
            uri=uri,
            created_at=created_at,
            name=name,
            region=region,
            updated_at=updated_at,
            url=url,
            public_url=public_url,
            proto=proto,
            scheme=scheme,
            host=host,
            port=port,
            hostport=hostport,
            type_=type_,
            metadata=metadata,
            description=description,
            domain=domain,
            tcp_addr=tcp_addr,
            tunnel=tunnel,
            edge=edge,
            principal=principal,
            tunnel_session=tunnel_session,
            upstream_url=upstream_url,
            upstream_protocol=upstream_protocol,
            traffic_policy=traffic_policy,
            bindings=bindings,
            pooling_enabled=pooling_enabled,
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
