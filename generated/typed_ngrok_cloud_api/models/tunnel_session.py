from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.ref import Ref


T = TypeVar("T", bound="TunnelSession")


@_attrs_define
class TunnelSession:
    """An online ngrok agent session.

    Attributes:
        id (str): `ts_...`
        uri (str):
        started_at (datetime.datetime):
        agent_version (str | Unset):
        credential (None | Ref | Unset): The credential (authtoken) the agent authenticated with.
        ip (str | Unset): Source IP of the session.
        metadata (str | Unset): The agent's top-level `metadata`; omitted when empty.
        os (str | Unset):
        region (str | Unset):
        transport (str | Unset): `ngrok/v2` or `ssh` (examples show `ngrok/2`).
    """

    id: str
    uri: str
    started_at: datetime.datetime
    agent_version: str | Unset = UNSET
    credential: None | Ref | Unset = UNSET
    ip: str | Unset = UNSET
    metadata: str | Unset = UNSET
    os: str | Unset = UNSET
    region: str | Unset = UNSET
    transport: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.ref import Ref  # noqa: PLC0415

        id = self.id

        uri = self.uri

        started_at = self.started_at.isoformat()

        agent_version = self.agent_version

        credential: dict[str, Any] | None | Unset
        if isinstance(self.credential, Unset):
            credential = UNSET
        elif isinstance(self.credential, Ref):
            credential = self.credential.to_dict()
        else:
            credential = self.credential

        ip = self.ip

        metadata = self.metadata

        os = self.os

        region = self.region

        transport = self.transport

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "uri": uri,
                "started_at": started_at,
            }
        )
        if agent_version is not UNSET:
            field_dict["agent_version"] = agent_version
        if credential is not UNSET:
            field_dict["credential"] = credential
        if ip is not UNSET:
            field_dict["ip"] = ip
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if os is not UNSET:
            field_dict["os"] = os
        if region is not UNSET:
            field_dict["region"] = region
        if transport is not UNSET:
            field_dict["transport"] = transport

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ref import Ref  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        uri = d.pop("uri")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        agent_version = d.pop("agent_version", UNSET)

        def _parse_credential(data: object) -> None | Ref | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                credential_type_0 = Ref.from_dict(data)

                return credential_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Ref | Unset, data)

        credential = _parse_credential(d.pop("credential", UNSET))

        ip = d.pop("ip", UNSET)

        metadata = d.pop("metadata", UNSET)

        os = d.pop("os", UNSET)

        region = d.pop("region", UNSET)

        transport = d.pop("transport", UNSET)

        tunnel_session = cls(
            id=id,
            uri=uri,
            started_at=started_at,
            agent_version=agent_version,
            credential=credential,
            ip=ip,
            metadata=metadata,
            os=os,
            region=region,
            transport=transport,
        )

        tunnel_session.additional_properties = d
        return tunnel_session

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
