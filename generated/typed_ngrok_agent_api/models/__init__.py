"""Contains all the data models used in inputs/outputs"""

from .agent_session import AgentSession
from .agent_status import AgentStatus
from .agent_tls_termination import AgentTlsTermination
from .api_root import ApiRoot
from .bind_tls_both import BindTlsBoth
from .captured_http_request import CapturedHttpRequest
from .captured_http_response import CapturedHttpResponse
from .captured_request import CapturedRequest
from .captured_request_list import CapturedRequestList
from .conn_metrics import ConnMetrics
from .endpoint import Endpoint
from .endpoint_definition import EndpointDefinition
from .endpoint_definition_bindings_item import EndpointDefinitionBindingsItem
from .endpoint_list import EndpointList
from .endpoint_upstream import EndpointUpstream
from .endpoint_upstream_definition import EndpointUpstreamDefinition
from .endpoint_upstream_definition_protocol import EndpointUpstreamDefinitionProtocol
from .error import Error
from .error_details import ErrorDetails
from .header_rewrite import HeaderRewrite
from .headers import Headers
from .http_metrics import HttpMetrics
from .ip_restriction import IpRestriction
from .metrics import Metrics
from .o_auth import OAuth
from .oidc import Oidc
from .proxy_protocol import ProxyProtocol
from .replay_request import ReplayRequest
from .session_leg import SessionLeg
from .traffic_policy import TrafficPolicy
from .traffic_policy_rule import TrafficPolicyRule
from .tunnel import Tunnel
from .tunnel_config import TunnelConfig
from .tunnel_definition import TunnelDefinition
from .tunnel_definition_schemes_item import TunnelDefinitionSchemesItem
from .tunnel_definition_terminate_at import TunnelDefinitionTerminateAt
from .tunnel_list import TunnelList
from .tunnel_proto import TunnelProto
from .user_agent_filter import UserAgentFilter
from .verify_webhook import VerifyWebhook

__all__ = (
    "AgentSession",
    "AgentStatus",
    "AgentTlsTermination",
    "ApiRoot",
    "BindTlsBoth",
    "CapturedHttpRequest",
    "CapturedHttpResponse",
    "CapturedRequest",
    "CapturedRequestList",
    "ConnMetrics",
    "Endpoint",
    "EndpointDefinition",
    "EndpointDefinitionBindingsItem",
    "EndpointList",
    "EndpointUpstream",
    "EndpointUpstreamDefinition",
    "EndpointUpstreamDefinitionProtocol",
    "Error",
    "ErrorDetails",
    "HeaderRewrite",
    "Headers",
    "HttpMetrics",
    "IpRestriction",
    "Metrics",
    "OAuth",
    "Oidc",
    "ProxyProtocol",
    "ReplayRequest",
    "SessionLeg",
    "TrafficPolicy",
    "TrafficPolicyRule",
    "Tunnel",
    "TunnelConfig",
    "TunnelDefinition",
    "TunnelDefinitionSchemesItem",
    "TunnelDefinitionTerminateAt",
    "TunnelList",
    "TunnelProto",
    "UserAgentFilter",
    "VerifyWebhook",
)
