from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.conn_metrics import ConnMetrics
    from ..models.http_metrics import HttpMetrics


T = TypeVar("T", bound="Metrics")


@_attrs_define
class Metrics:
    """
    Attributes:
        conns (ConnMetrics | Unset): Connection counters; percentiles are durations in ns (typed number, the XML form is
            3.790698e+06).
        http (HttpMetrics | Unset): HTTP request counters (no gauge); percentiles are durations in ns.
    """

    conns: ConnMetrics | Unset = UNSET
    http: HttpMetrics | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conns: dict[str, Any] | Unset = UNSET
        if not isinstance(self.conns, Unset):
            conns = self.conns.to_dict()

        http: dict[str, Any] | Unset = UNSET
        if not isinstance(self.http, Unset):
            http = self.http.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if conns is not UNSET:
            field_dict["conns"] = conns
        if http is not UNSET:
            field_dict["http"] = http

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.conn_metrics import ConnMetrics  # noqa: PLC0415
        from ..models.http_metrics import HttpMetrics  # noqa: PLC0415

        d = dict(src_dict)
        _conns = d.pop("conns", UNSET)
        conns: ConnMetrics | Unset
        if isinstance(_conns, Unset):
            conns = UNSET
        else:
            conns = ConnMetrics.from_dict(_conns)

        _http = d.pop("http", UNSET)
        http: HttpMetrics | Unset
        if isinstance(_http, Unset):
            http = UNSET
        else:
            http = HttpMetrics.from_dict(_http)

        metrics = cls(
            conns=conns,
            http=http,
        )

        metrics.additional_properties = d
        return metrics

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
