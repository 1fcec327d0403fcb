"""Parameter types for check models: thresholds, quantities, durations and ranges from text.

Each type parses the text of a checklist value with the threshold language, so a unit of the
wrong dimension or a typo is a configuration error naming the item, and each serialises back
to the text as written.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from golive.thresholds import (
    Dimension,
    Quantity,
    Range,
    Threshold,
    parse_duration,
    parse_quantity,
    parse_range,
    parse_threshold,
)

__all__ = [
    "CountThreshold",
    "Duration",
    "DurationThreshold",
    "Rate",
    "RateThreshold",
    "Ratio",
    "RatioThreshold",
    "Size",
    "SizeThreshold",
    "ValueRange",
    "param_type",
]


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f'expected text such as "<100ms", found {type(value).__name__}')
    return str(value)


def _threshold(dimension: Dimension, statistic: str | None = None) -> BeforeValidator:
    def parse(value: Any) -> Threshold:
        if isinstance(value, Threshold):
            return value
        return parse_threshold(_text(value), dimension=dimension, default_statistic=statistic)

    return BeforeValidator(parse)


def _quantity(dimension: Dimension) -> BeforeValidator:
    def parse(value: Any) -> Quantity:
        if isinstance(value, Quantity):
            return value
        return parse_quantity(_text(value), dimension=dimension)

    return BeforeValidator(parse)


def _duration(value: Any) -> float:
    if isinstance(value, float) and not isinstance(value, bool):
        return value  # already seconds (a default in code)
    return parse_duration(_text(value))


def _range(value: Any) -> Range:
    return value if isinstance(value, Range) else parse_range(_text(value))


_as_text = PlainSerializer(lambda value: value.text, return_type=str)

DurationThreshold = Annotated[Threshold, _threshold(Dimension.DURATION, "p95"), _as_text]
RateThreshold = Annotated[Threshold, _threshold(Dimension.RATE), _as_text]
RatioThreshold = Annotated[Threshold, _threshold(Dimension.RATIO), _as_text]
SizeThreshold = Annotated[Threshold, _threshold(Dimension.SIZE), _as_text]
CountThreshold = Annotated[Threshold, _threshold(Dimension.COUNT), _as_text]
Rate = Annotated[Quantity, _quantity(Dimension.RATE), _as_text]
Ratio = Annotated[Quantity, _quantity(Dimension.RATIO), _as_text]
Size = Annotated[Quantity, _quantity(Dimension.SIZE), _as_text]
Duration = Annotated[float, BeforeValidator(_duration)]
ValueRange = Annotated[Range, BeforeValidator(_range), _as_text]

_SIMPLE: dict[str, Any] = {
    "str": str,
    "bool": bool,
    "int": int,
    "float": float,
    "path": str,
    "duration": Duration,
    "size": Size,
    "rate": Rate,
    "ratio": Ratio,
    "range": ValueRange,
    "map": dict[str, Any],
    "any": Any,
    "threshold:duration": DurationThreshold,
    "threshold:rate": RateThreshold,
    "threshold:ratio": RatioThreshold,
    "threshold:size": SizeThreshold,
    "threshold:count": CountThreshold,
}


def param_type(spec: str) -> Any:
    """The annotation for a parameter type written as text (`"list[threshold:duration]"`)."""
    if spec.startswith("list[") and spec.endswith("]"):
        return list[param_type(spec[5:-1])]  # type: ignore[misc]  # built at run time
    try:
        return _SIMPLE[spec]
    except KeyError:
        known = ", ".join([*_SIMPLE, "list[...]"])
        raise ValueError(f'unknown parameter type "{spec}"; expected one of {known}') from None
