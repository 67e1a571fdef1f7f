from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.bind_tls_both import BindTlsBoth, check_bind_tls_both
from ..models.proxy_protocol import ProxyProtocol, check_proxy_protocol
from ..models.tunnel_definition_schemes_item import (
    TunnelDefinitionSchemesItem,
    check_tunnel_definition_schemes_item,
)
from ..models.tunnel_definition_terminate_at import (
    TunnelDefinitionTerminateAt,
    check_tunnel_definition_terminate_at,
)
from ..models.tunnel_proto import TunnelProto, check_tunnel_proto
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.header_rewrite import HeaderRewrite
    from ..models.ip_restriction import IpRestriction
    from ..models.o_auth import OAuth
    from ..models.oidc import Oidc
    from ..models.traffic_policy import TrafficPolicy
    from ..models.user_agent_filter import UserAgentFilter
    from ..models.verify_webhook import VerifyWebhook


T = TypeVar("T", bound="TunnelDefinition")


@_attrs_define
class TunnelDefinition:
    """POST /api/tunnels body. 2.3.41 requires a non-empty name, addr and proto (400, code 102, without them); v3 rejects
    unknown keys and duplicate names. Typed values must have their JSON type ("inspect": "false" is rejected). Beyond
    this schema 2.3.41 checks the definition as a whole and answers 400 (code 102) for, e.g., a URL addr on a tcp tunnel
    ("specifies a URL instead of a host address"), an addr whose scheme does not fit the proto or that does not parse
    ("invalid or malformed address"), hostname together with subdomain, an invalid remote_addr, unreadable
    crt/key/client_cas files, and any string holding a character outside the Basic Multilingual Plane (it converts the
    body to YAML: "yaml: found invalid Unicode character escape code"). 2.3.41 is also more lenient than this schema: it
    ignores keys it does not know (every v3-only key here, whatever its value), reads null as an absent key, and takes a
    number or boolean where it expects a string. Send what this schema describes.

        Attributes:
            name (str):
            addr (int | str): A port, host:port, URL or file:/// path (2.3.41 refuses an empty or negative one).
            proto (TunnelProto): Tunnel protocol, required by 2.3.41 ("https" is invalid; use http with bind_tls/schemes).
            inspect (bool | Unset):
            metadata (str | Unset):
            auth (str | Unset): "user:pass" (v2; v3 uses basic_auth).
            bind_tls (BindTlsBoth | bool | Unset): v2: true (https only), false (http only) or "both" (the 2.3.41 default).
            host_header (str | Unset): rewrite, preserve or a literal value.
            subdomain (str | Unset):
            hostname (str | Unset):
            crt (str | Unset): Path to a PEM certificate.
            key (str | Unset): Path to a PEM private key.
            client_cas (str | Unset): Path to PEM client CA roots.
            remote_addr (str | Unset): A reserved host:port.
            basic_auth (list[str] | Unset): ["user:pass", …] (v3).
            schemes (list[TunnelDefinitionSchemesItem] | Unset): v3 replacement for bind_tls.
            domain (str | Unset): v3 replacement for hostname/subdomain.
            proxy_proto (ProxyProtocol | Unset): PROXY protocol version sent to the upstream.
            compression (bool | Unset):
            circuit_breaker (float | Unset):
            mutual_tls_cas (str | Unset):
            terminate_at (TunnelDefinitionTerminateAt | Unset):
            websocket_tcp_converter (bool | Unset):
            labels (list[str] | Unset): Labeled tunnels (k=v).
            ip_restriction (IpRestriction | Unset):
            oauth (OAuth | Unset):
            oidc (Oidc | Unset):
            request_header (HeaderRewrite | Unset):
            response_header (HeaderRewrite | Unset):
            user_agent_filter (UserAgentFilter | Unset):
            verify_webhook (VerifyWebhook | Unset):
            traffic_policy (str | TrafficPolicy | Unset): A traffic policy document, as an object or as YAML/JSON text.
    """

    name: str
    addr: int | str
    proto: TunnelProto
    inspect: bool | Unset = UNSET
    metadata: str | Unset = UNSET
    auth: str | Unset = UNSET
    bind_tls: BindTlsBoth | bool | Unset = UNSET
    host_header: str | Unset = UNSET
    subdomain: str | Unset = UNSET
    hostname: str | Unset = UNSET
    crt: str | Unset = UNSET
    key: str | Unset = UNSET
    client_cas: str | Unset = UNSET
    remote_addr: str | Unset = UNSET
    basic_auth: list[str] | Unset = UNSET
    schemes: list[TunnelDefinitionSchemesItem] | Unset = UNSET
    domain: str | Unset = UNSET
    proxy_proto: ProxyProtocol | Unset = UNSET
    compression: bool | Unset = UNSET
    circuit_breaker: float | Unset = UNSET
    mutual_tls_cas: str | Unset = UNSET
    terminate_at: TunnelDefinitionTerminateAt | Unset = UNSET
    websocket_tcp_converter: bool | Unset = UNSET
    labels: list[str] | Unset = UNSET
    ip_restriction: IpRestriction | Unset = UNSET
    oauth: OAuth | Unset = UNSET
    oidc: Oidc | Unset = UNSET
    request_header: HeaderRewrite | Unset = UNSET
    response_header: HeaderRewrite | Unset = UNSET
    user_agent_filter: UserAgentFilter | Unset = UNSET
    verify_webhook: VerifyWebhook | Unset = UNSET
    traffic_policy: str | TrafficPolicy | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.traffic_policy import TrafficPolicy  # noqa: PLC0415

        name = self.name

        addr: int | str
        addr = self.addr

        proto: str = self.proto

        inspect = self.inspect

        metadata = self.metadata

        auth = self.auth

        bind_tls: bool | str | Unset
        if isinstance(self.bind_tls, Unset):
            bind_tls = UNSET
        elif isinstance(self.bind_tls, str):
            bind_tls = self.bind_tls
        else:
            bind_tls = self.bind_tls

        host_header = self.host_header

        subdomain = self.subdomain

        hostname = self.hostname

        crt = self.crt

        key = self.key

        client_cas = self.client_cas

        remote_addr = self.remote_addr

        basic_auth: list[str] | Unset = UNSET
        if not isinstance(self.basic_auth, Unset):
            basic_auth = self.basic_auth

        schemes: list[str] | Unset = UNSET
        if not isinstance(self.schemes, Unset):
            schemes = []
            for schemes_item_data in self.schemes:
                schemes_item: str = schemes_item_data
                schemes.append(schemes_item)

        domain = self.domain

        proxy_proto: str | Unset = UNSET
        if not isinstance(self.proxy_proto, Unset):
            proxy_proto = self.proxy_proto

        compression = self.compression

        circuit_breaker = self.circuit_breaker

        mutual_tls_cas = self.mutual_tls_cas

        terminate_at: str | Unset = UNSET
        if not isinstance(self.terminate_at, Unset):
            terminate_at = self.terminate_at

        websocket_tcp_converter = self.websocket_tcp_converter

        labels: list[str] | Unset = UNSET
        if not isinstance(self.labels, Unset):
            labels = self.labels

        ip_restriction: dict[str, Any] | Unset = UNSET
        if not isinstance(self.ip_restriction, Unset):
            ip_restriction = self.ip_restriction.to_dict()

        oauth: dict[str, Any] | Unset = UNSET
        if not isinstance(self.oauth, Unset):
            oauth = self.oauth.to_dict()

        oidc: dict[str, Any] | Unset = UNSET
        if not isinstance(self.oidc, Unset):
            oidc = self.oidc.to_dict()

        request_header: dict[str, Any] | Unset = UNSET
        if not isinstance(self.request_header, Unset):
            request_header = self.request_header.to_dict()

        response_header: dict[str, Any] | Unset = UNSET
        if not isinstance(self.response_header, Unset):
            response_header = self.response_header.to_dict()

        user_agent_filter: dict[str, Any] | Unset = UNSET
        if not isinstance(self.user_agent_filter, Unset):
            user_agent_filter = self.user_agent_filter.to_dict()

        verify_webhook: dict[str, Any] | Unset = UNSET
        if not isinstance(self.verify_webhook, Unset):
            verify_webhook = self.verify_webhook.to_dict()

        traffic_policy: dict[str, Any] | str | Unset
        if isinstance(self.traffic_policy, Unset):
            traffic_policy = UNSET
        elif isinstance(self.traffic_policy, TrafficPolicy):
            traffic_policy = self.traffic_policy.to_dict()
        else:
            traffic_policy = self.traffic_policy

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "addr": addr,
                "proto": proto,
            }
        )
        if inspect is not UNSET:
            field_dict["inspect"] = inspect
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if auth is not UNSET:
            field_dict["auth"] = auth
        if bind_tls is not UNSET:
            field_dict["bind_tls"] = bind_tls
        if host_header is not UNSET:
            field_dict["host_header"] = host_header
        if subdomain is not UNSET:
            field_dict["subdomain"] = subdomain
        if hostname is not UNSET:
            field_dict["hostname"] = hostname
        if crt is not UNSET:
            field_dict["crt"] = crt
        if key is not UNSET:
            field_dict["key"] = key
        if client_cas is not UNSET:
            field_dict["client_cas"] = client_cas
        if remote_addr is not UNSET:
            field_dict["remote_addr"] = remote_addr
        if basic_auth is not UNSET:
            field_dict["basic_auth"] = basic_auth
        if schemes is not UNSET:
            field_dict["schemes"] = schemes
        if domain is not UNSET:
            field_dict["domain"] = domain
        if proxy_proto is not UNSET:
            field_dict["proxy_proto"] = proxy_proto
        if compression is not UNSET:
            field_dict["compression"] = compression
        if circuit_breaker is not UNSET:
            field_dict["circuit_breaker"] = circuit_breaker
        if mutual_tls_cas is not UNSET:
            field_dict["mutual_tls_cas"] = mutual_tls_cas
        if terminate_at is not UNSET:
            field_dict["terminate_at"] = terminate_at
        if websocket_tcp_converter is not UNSET:
            field_dict["websocket_tcp_converter"] = websocket_tcp_converter
        if labels is not UNSET:
            field_dict["labels"] = labels
        if ip_restriction is not UNSET:
            field_dict["ip_restriction"] = ip_restriction
        if oauth is not UNSET:
            field_dict["oauth"] = oauth
        if oidc is not UNSET:
            field_dict["oidc"] = oidc
        if request_header is not UNSET:
            field_dict["request_header"] = request_header
        if response_header is not UNSET:
            field_dict["response_header"] = response_header
        if user_agent_filter is not UNSET:
            field_dict["user_agent_filter"] = user_agent_filter
        if verify_webhook is not UNSET:
            field_dict["verify_webhook"] = verify_webhook
        if traffic_policy is not UNSET:
            field_dict["traffic_policy"] = traffic_policy

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.header_rewrite import HeaderRewrite  # noqa: PLC0415
        from ..models.ip_restriction import IpRestriction  # noqa: PLC0415
        from ..models.o_auth import OAuth  # noqa: PLC0415
        from ..models.oidc import Oidc  # noqa: PLC0415
        from ..models.traffic_policy import TrafficPolicy  # noqa: PLC0415
        from ..models.user_agent_filter import UserAgentFilter  # noqa: PLC0415
        from ..models.verify_webhook import VerifyWebhook  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        def _parse_addr(data: object) -> int | str:
            return cast(int | str, data)

        addr = _parse_addr(d.pop("addr"))

        proto = check_tunnel_proto(d.pop("proto"))

        inspect = d.pop("inspect", UNSET)

        metadata = d.pop("metadata", UNSET)

        auth = d.pop("auth", UNSET)

        def _parse_bind_tls(data: object) -> BindTlsBoth | bool | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                bind_tls_type_1 = check_bind_tls_both(data)

                return bind_tls_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BindTlsBoth | bool | Unset, data)

        bind_tls = _parse_bind_tls(d.pop("bind_tls", UNSET))

        host_header = d.pop("host_header", UNSET)

        subdomain = d.pop("subdomain", UNSET)

        hostname = d.pop("hostname", UNSET)

        crt = d.pop("crt", UNSET)

        key = d.pop("key", UNSET)

        client_cas = d.pop("client_cas", UNSET)

        remote_addr = d.pop("remote_addr", UNSET)

        basic_auth = cast(list[str], d.pop("basic_auth", UNSET))

        _schemes = d.pop("schemes", UNSET)
        schemes: list[TunnelDefinitionSchemesItem] | Unset = UNSET
        if _schemes is not UNSET:
            schemes = []
            for schemes_item_data in _schemes:
                schemes_item = check_tunnel_definition_schemes_item(schemes_item_data)

                schemes.append(schemes_item)

        domain = d.pop("domain", UNSET)

        _proxy_proto = d.pop("proxy_proto", UNSET)
        proxy_proto: ProxyProtocol | Unset
        if isinstance(_proxy_proto, Unset):
            proxy_proto = UNSET
        else:
            proxy_proto = check_proxy_protocol(_proxy_proto)

        compression = d.pop("compression", UNSET)

        circuit_breaker = d.pop("circuit_breaker", UNSET)

        mutual_tls_cas = d.pop("mutual_tls_cas", UNSET)

        _terminate_at = d.pop("terminate_at", UNSET)
        terminate_at: TunnelDefinitionTerminateAt | Unset
        if isinstance(_terminate_at, Unset):
            terminate_at = UNSET
        else:
            terminate_at = check_tunnel_definition_terminate_at(_terminate_at)

        websocket_tcp_converter = d.pop("websocket_tcp_converter", UNSET)

        labels = cast(list[str], d.pop("labels", UNSET))

        _ip_restriction = d.pop("ip_restriction", UNSET)
        ip_restriction: IpRestriction | Unset
        if isinstance(_ip_restriction, Unset):
            ip_restriction = UNSET
        else:
            ip_restriction = IpRestriction.from_dict(_ip_restriction)

        _oauth = d.pop("oauth", UNSET)
        oauth: OAuth | Unset
        if isinstance(_oauth, Unset):
            oauth = UNSET
        else:
            oauth = OAuth.from_dict(_oauth)

        _oidc = d.pop("oidc", UNSET)
        oidc: Oidc | Unset
        if isinstance(_oidc, Unset):
            oidc = UNSET
        else:
            oidc = Oidc.from_dict(_oidc)

        _request_header = d.pop("request_header", UNSET)
        request_header: HeaderRewrite | Unset
        if isinstance(_request_header, Unset):
            request_header = UNSET
        else:
            request_header = HeaderRewrite.from_dict(_request_header)

        _response_header = d.pop("response_header", UNSET)
        response_header: HeaderRewrite | Unset
        if isinstance(_response_header, Unset):
            response_header = UNSET
        else:
            response_header = HeaderRewrite.from_dict(_response_header)

        _user_agent_filter = d.pop("user_agent_filter", UNSET)
        user_agent_filter: UserAgentFilter | Unset
        if isinstance(_user_agent_filter, Unset):
            user_agent_filter = UNSET
        else:
            user_agent_filter = UserAgentFilter.from_dict(_user_agent_filter)

        _verify_webhook = d.pop("verify_webhook", UNSET)
        verify_webhook: VerifyWebhook | Unset
        if isinstance(_verify_webhook, Unset):
            verify_webhook = UNSET
        else:
            verify_webhook = VerifyWebhook.from_dict(_verify_webhook)

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

        tunnel_definition = cls(
            name=name,
            addr=addr,
            proto=proto,
            inspect=inspect,
            metadata=metadata,
            auth=auth,
            bind_tls=bind_tls,
            host_header=host_header,
            subdomain=subdomain,
            hostname=hostname,
            crt=crt,
            key=key,
            client_cas=client_cas,
            remote_addr=remote_addr,
            basic_auth=basic_auth,
            schemes=schemes,
            domain=domain,
            proxy_proto=proxy_proto,
            compression=compression,
            circuit_breaker=circuit_breaker,
            mutual_tls_cas=mutual_tls_cas,
            terminate_at=terminate_at,
            websocket_tcp_converter=websocket_tcp_converter,
            labels=labels,
            ip_restriction=ip_restriction,
            oauth=oauth,
            oidc=oidc,
            request_header=request_header,
            response_header=response_header,
            user_agent_filter=user_agent_filter,
            verify_webhook=verify_webhook,
            traffic_policy=traffic_policy,
        )

        tunnel_definition.additional_properties = d
        return tunnel_definition

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
