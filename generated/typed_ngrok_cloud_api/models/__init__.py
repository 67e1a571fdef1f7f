"""Contains all the data models used in inputs/outputs"""

from .api_key import ApiKey
from .api_key_create import ApiKeyCreate
from .api_key_list import ApiKeyList
from .api_key_update import ApiKeyUpdate
from .credential import Credential
from .credential_create import CredentialCreate
from .credential_list import CredentialList
from .credential_update import CredentialUpdate
from .endpoint import Endpoint
from .endpoint_create import EndpointCreate
from .endpoint_create_type import EndpointCreateType
from .endpoint_list import EndpointList
from .endpoint_update import EndpointUpdate
from .error import Error
from .error_details import ErrorDetails
from .ref import Ref
from .reserved_addr import ReservedAddr
from .reserved_addr_create import ReservedAddrCreate
from .reserved_addr_list import ReservedAddrList
from .reserved_addr_update import ReservedAddrUpdate
from .reserved_domain import ReservedDomain
from .reserved_domain_cert_job import ReservedDomainCertJob
from .reserved_domain_cert_policy import ReservedDomainCertPolicy
from .reserved_domain_cert_status import ReservedDomainCertStatus
from .reserved_domain_create import ReservedDomainCreate
from .reserved_domain_list import ReservedDomainList
from .reserved_domain_resolves_to import ReservedDomainResolvesTo
from .reserved_domain_update import ReservedDomainUpdate
from .tunnel import Tunnel
from .tunnel_labels import TunnelLabels
from .tunnel_list import TunnelList
from .tunnel_session import TunnelSession
from .tunnel_session_action import TunnelSessionAction
from .tunnel_session_list import TunnelSessionList

__all__ = (
    "ApiKey",
    "ApiKeyCreate",
    "ApiKeyList",
    "ApiKeyUpdate",
    "Credential",
    "CredentialCreate",
    "CredentialList",
    "CredentialUpdate",
    "Endpoint",
    "EndpointCreate",
    "EndpointCreateType",
    "EndpointList",
    "EndpointUpdate",
    "Error",
    "ErrorDetails",
    "Ref",
    "ReservedAddr",
    "ReservedAddrCreate",
    "ReservedAddrList",
    "ReservedAddrUpdate",
    "ReservedDomain",
    "ReservedDomainCertJob",
    "ReservedDomainCertPolicy",
    "ReservedDomainCertStatus",
    "ReservedDomainCreate",
    "ReservedDomainList",
    "ReservedDomainResolvesTo",
    "ReservedDomainUpdate",
    "Tunnel",
    "TunnelLabels",
    "TunnelList",
    "TunnelSession",
    "TunnelSessionAction",
    "TunnelSessionList",
)
