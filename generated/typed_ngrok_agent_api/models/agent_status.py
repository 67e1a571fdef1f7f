from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.agent_session import AgentSession


T = TypeVar("T", bound="AgentStatus")


@_attrs_define
class AgentStatus:
    """
    Attributes:
        status (str | Unset):
        agent_version (str | Unset):
        session (AgentSession | Unset):
        uri (str | Unset):
    """

    status: str | Unset = UNSET
    agent_version: str | Unset = UNSET
    session: AgentSession | Unset = UNSET
    uri: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        agent_version = self.agent_version

        session: dict[str, Any] | Unset = UNSET
        if not isinstance(self.session, Unset):
            session = self.session.to_dict()

        uri = self.uri

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if status is not UNSET:
            field_dict["status"] = status
        if agent_version is not UNSET:
            field_dict["agent_version"] = agent_version
        if session is not UNSET:
            field_dict["session"] = session
        if uri is not UNSET:
            field_dict["uri"] = uri

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.agent_session import AgentSession  # noqa: PLC0415

        d = dict(src_dict)
        status = d.pop("status", UNSET)

        agent_version = d.pop("agent_version", UNSET)

        _session = d.pop("session", UNSET)
        session: AgentSession | Unset
        if isinstance(_session, Unset):
            session = UNSET
        else:
            session = AgentSession.from_dict(_session)

        uri = d.pop("uri", UNSET)

        agent_status = cls(
            status=status,
            agent_version=agent_version,
            session=session,
            uri=uri,
        )

        agent_status.additional_properties = d
        return agent_status

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
