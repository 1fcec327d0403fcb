"""Charts as standalone SVG 1.1 documents: axes, ticks, a legend and one polyline per line."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from xml.sax.saxutils import escape

from golive.model import Chart

__all__ = ["chart_svg"]

_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 16, 44, 44  # margins around the plot area, in pixels
_TICKS = 6  # about this many ticks on a linear axis
_CHAR = 6.5  # the width of a character of the legend, roughly, at 11 px


def chart_svg(chart: Chart, *, width: int = 720, height: int = 320) -> str:
    """`chart` as an SVG document; the same chart always gives the same bytes."""
    lines = [
        (line.name, [(x, y) for x, y in line.points if _drawable(chart, x, y)])
        for line in chart.lines
    ]
    xs = [_nines(x) if chart.x_scale == "nines" else x for _, points in lines for x, _ in points]
    ys = [y for _, points in lines for _, y in points]
    x_ticks = _nines_ticks(xs) if chart.x_scale == "nines" else _linear_ticks(xs, zero=False)
    y_ticks = _log_ticks(ys) if chart.y_scale == "log" else _linear_ticks(ys, zero=True)
    left, right = _LEFT, width - _RIGHT
    top, bottom = _TOP, height - _BOTTOM

    def to_x(x: float) -> float:
        value = _nines(x) if chart.x_scale == "nines" else x
        return _scale(value, x_ticks[0][0], x_ticks[-1][0], left, right)

    def to_y(y: float) -> float:
        value = math.log10(y) if chart.y_scale == "log" else y
        return _scale(value, y_ticks[0][0], y_ticks[-1][0], bottom, top)

    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" '
        'font-size="11">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{left}" y="18" font-size="13" font-weight="bold">{_text(chart.title)}</text>',
    ]
    parts += _axes(x_ticks, y_ticks, left=left, right=right, top=top, bottom=bottom)
    parts.append(
        f'<text x="{_n((left + right) / 2)}" y="{height - 8}" '
        f'text-anchor="middle">{_text(chart.x_label)}</text>'
    )
    middle = _n((top + bottom) / 2)
    parts.append(
        f'<text x="14" y="{middle}" transform="rotate(-90 14 {middle})" '
        f'text-anchor="middle">{_text(chart.y_label)}</text>'
    )
    parts += _legend([name for name, _ in lines], left=left, y=34)
    parts += _plotted(lines, to_x, to_y)
    if not ys:
        parts.append(
            f'<text x="{_n((left + right) / 2)}" y="{_n((top + bottom) / 2)}" '
            'text-anchor="middle" fill="#666666">no data</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _drawable(chart: Chart, x: float, y: float) -> bool:
    if not (math.isfinite(x) and math.isfinite(y)):
        return False
    if chart.x_scale == "nines" and not 0 <= x < 100:
        return False
    return not (chart.y_scale == "log" and y <= 0)


def _nines(p: float) -> float:
    """A percentile's position on the nines axis: 90 % is 1, 99 % is 2, 99.9 % is 3."""
    return -math.log10(1 - p / 100)


def _scale(value: float, low: float, high: float, start: float, end: float) -> float:
    return start + (value - low) / (high - low) * (end - start)


def _linear_ticks(values: Sequence[float], *, zero: bool) -> list[tuple[float, str]]:
    """Round tick values (1, 2 or 5 times a power of ten) covering `values`; from zero when
    `zero` and no value is below it."""
    low = min(values, default=0.0)
    high = max(values, default=1.0)
    if zero:
        low = min(low, 0.0)
    if high <= low:
        high = low + (abs(low) or 1.0)
    rough = (high - low) / (_TICKS - 1)
    power = 10 ** math.floor(math.log10(rough))
    step = next(f * power for f in (1, 2, 5, 10) if f * power >= 0.75 * rough)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    digits = max(0, -math.floor(math.log10(step)))
    return [(n * step, _number(n * step, digits)) for n in range(first, last + 1)]


def _nines_ticks(positions: Sequence[float]) -> list[tuple[float, str]]:
    """0 %, 50 %, 90 %, 99 %, 99.9 % ... up to the nines the values reach (90 % at least)."""
    top = max(1, math.ceil(max(positions, default=0.0) - 1e-9))
    ticks = [(0.0, "0%"), (_nines(50), "50%")]
    for nines in range(1, top + 1):
        ticks.append((float(nines), f"{100 - 10.0 ** (2 - nines):.{max(0, nines - 2)}f}%"))
    return ticks


def _log_ticks(values: Sequence[float]) -> list[tuple[float, str]]:
    """Powers of ten (as their logarithms) covering `values`."""
    low = math.floor(math.log10(min(values))) if values else 0
    high = math.ceil(math.log10(max(values))) if values else 1
    high = max(high, low + 1)
    return [(float(k), _number(10.0**k, max(0, -k))) for k in range(low, high + 1)]


def _number(value: float, digits: int) -> str:
    text = f"{value:,.{digits}f}"
    return "0" if text.strip("-0.,") == "" else text


def _axes(
    x_ticks: Sequence[tuple[float, str]],
    y_ticks: Sequence[tuple[float, str]],
    *,
    left: float,
    right: float,
    top: float,
    bottom: float,
) -> Iterable[str]:
    x_low, x_high = x_ticks[0][0], x_ticks[-1][0]
    y_low, y_high = y_ticks[0][0], y_ticks[-1][0]
    for value, label in y_ticks:
        y = _n(_scale(value, y_low, y_high, bottom, top))
        yield f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="#e5e5e5"/>'
        yield f'<text x="{left - 6}" y="{y}" text-anchor="end" dy="4">{_text(label)}</text>'
    for value, label in x_ticks:
        x = _n(_scale(value, x_low, x_high, left, right))
        yield f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 5}" stroke="#000000"/>'
        yield f'<text x="{x}" y="{bottom + 17}" text-anchor="middle">{_text(label)}</text>'
    yield (
        f'<polyline points="{left},{top} {left},{bottom} {right},{bottom}" fill="none" '
        'stroke="#000000"/>'
    )


def _legend(names: Sequence[str], *, left: float, y: float) -> Iterable[str]:
    x = left
    for index, name in enumerate(names):
        colour = _COLOURS[index % len(_COLOURS)]
        yield (
            f'<line x1="{_n(x)}" y1="{y - 4}" x2="{_n(x + 16)}" y2="{y - 4}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        yield f'<text x="{_n(x + 20)}" y="{y}">{_text(name)}</text>'
        x += 32 + _CHAR * len(name)


def _plotted(
    lines: Sequence[tuple[str, Sequence[tuple[float, float]]]],
    to_x: Callable[[float], float],
    to_y: Callable[[float], float],
) -> Iterable[str]:
    for index, (_, points) in enumerate(lines):
        colour = _COLOURS[index % len(_COLOURS)]
        if len(points) == 1:
            (x, y), *_ = points
            yield f'<circle cx="{_n(to_x(x))}" cy="{_n(to_y(y))}" r="3" fill="{colour}"/>'
        elif points:
            drawn = " ".join(f"{_n(to_x(x))},{_n(to_y(y))}" for x, y in points)
            yield (
                f'<polyline points="{drawn}" fill="none" stroke="{colour}" '
                'stroke-width="1.5" stroke-linejoin="round"/>'
            )


def _n(value: float) -> str:
    """A coordinate to a tenth of a pixel, without a needless ".0"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text(text: str) -> str:
    return escape(text)
