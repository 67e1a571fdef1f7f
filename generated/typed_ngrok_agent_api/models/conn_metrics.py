from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ConnMetrics")


@_attrs_define
class ConnMetrics:
    """Connection counters; percentiles are durations in ns (typed number, the XML form is 3.790698e+06).

    Attributes:
        count (int | Unset):
        gauge (int | Unset):
        rate1 (float | Unset):
        rate5 (float | Unset):
        rate15 (float | Unset):
        p50 (float | Unset):
        p90 (float | Unset):
        p95 (float | Unset):
        p99 (float | Unset):
    """

    count: int | Unset = UNSET
    gauge: int | Unset = UNSET
    rate1: float | Unset = UNSET
    rate5: float | Unset = UNSET
    rate15: float | Unset = UNSET
    p50: float | Unset = UNSET
    p90: float | Unset = UNSET
    p95: float | Unset = UNSET
    p99: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        count = self.count

        gauge = self.gauge

        rate1 = self.rate1

        rate5 = self.rate5

        rate15 = self.rate15

        p50 = self.p50

        p90 = self.p90

        p95 = self.p95

        p99 = self.p99

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if count is not UNSET:
            field_dict["count"] = count
        if gauge is not UNSET:
            field_dict["gauge"] = gauge
        if rate1 is not UNSET:
            field_dict["rate1"] = rate1
        if rate5 is not UNSET:
            field_dict["rate5"] = rate5
        if rate15 is not UNSET:
            field_dict["rate15"] = rate15
        if p50 is not UNSET:
            field_dict["p50"] = p50
        if p90 is not UNSET:
            field_dict["p90"] = p90
        if p95 is not UNSET:
            field_dict["p95"] = p95
        if p99 is not UNSET:
            field_dict["p99"] = p99

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        count = d.pop("count", UNSET)

        gauge = d.pop("gauge", UNSET)

        rate1 = d.pop("rate1", UNSET)

        rate5 = d.pop("rate5", UNSET)

        rate15 = d.pop("rate15", UNSET)

        p50 = d.pop("p50", UNSET)

        p90 = d.pop("p90", UNSET)

        p95 = d.pop("p95", UNSET)

        p99 = d.pop("p99", UNSET)

        conn_metrics = cls(
            count=count,
            gauge=gauge,
            rate1=rate1,
            rate5=rate5,
            rate15=rate15,
            p50=p50,
            p90=p90,
            p95=p95,
            p99=p99,
        )

        conn_metrics.additional_properties = d
        return conn_metrics

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
