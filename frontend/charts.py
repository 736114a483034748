"""Charts drawn on the server as inline SVG: no chart library, nothing to download.

A chart is a picture of figures that the page also shows as a table beside it, so
the SVG carries a title for screen readers and no interaction. Geometry is computed
here; colours come from the stylesheet's classes (the CSP allows no inline style).
"""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from market.templatetags.money import rupiah

WIDTH = 320  # the viewBox: the SVG scales to its box, 320 reads on a 360 px phone
BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 120
BAR_ROOM = WIDTH - LABEL_WIDTH - 78  # what is left after the label and the figure beside it
COLUMN_AREA_HEIGHT = 140
PEAK_ROOM = 18  # above the columns: the highest column's figure


@dataclass(frozen=True)
class Point:
    label: str
    value: int  # rupiah or a count; never negative in a chart


def _shown(value: int, money: bool) -> str:
    return rupiah(value) if money else f"{value:,}".replace(",", ".")


def _svg(*, chart_id: str, title: str, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title" '
        'preserveAspectRatio="xMinYMin meet"><title id="{}-title">{}</title>{}</svg>',
        WIDTH, height, chart_id, chart_id, title, body,
    )


def bar_chart(*, chart_id: str, title: str, points: list[Point], money: bool = True) -> SafeString:
    """Horizontal bars, one per row (cooperatives, kecamatan, commodities): labels stay
    readable on a phone however long they are."""
    top = max((point.value for point in points), default=0) or 1

    def row(index: int, point: Point) -> tuple:
        width = max(1, round(BAR_ROOM * point.value / top))
        return (index * (BAR_HEIGHT + BAR_GAP), _shorten(point.label, 18), LABEL_WIDTH, width,
                BAR_HEIGHT - 4, LABEL_WIDTH + width + 4, _shown(point.value, money))

    rows = format_html_join(
        "",
        '<g transform="translate(0 {})"><text class="chart-label" x="0" y="15">{}</text>'
        '<rect class="chart-bar" x="{}" y="2" width="{}" height="{}"></rect>'
        '<text class="chart-value" x="{}" y="15">{}</text></g>',
        (row(index, point) for index, point in enumerate(points)),
    )
    height = max(1, len(points)) * (BAR_HEIGHT + BAR_GAP)
    return _svg(chart_id=chart_id, title=title, height=height, body=rows)


def column_chart(
    *, chart_id: str, title: str, points: list[Point], money: bool = True
) -> SafeString:
    """Columns over time (days, months); the first and last are labelled, the highest valued."""
    top = max((point.value for point in points), default=0) or 1
    step = WIDTH / max(1, len(points))

    def column(index: int, point: Point) -> tuple:
        height = round(COLUMN_AREA_HEIGHT * point.value / top, 1)
        y = round(PEAK_ROOM + COLUMN_AREA_HEIGHT - height, 1)
        return round(index * step + step * 0.1, 1), y, round(step * 0.8, 1), height

    def anchor(index: int) -> str:
        return "start" if index < len(points) / 2 else "end"

    columns = format_html_join(
        "", '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}"></rect>',
        (column(index, point) for index, point in enumerate(points)),
    )
    ends = sorted({0, len(points) - 1}) if points else []
    labels = format_html_join(
        "", '<text class="chart-label" x="{}" y="{}" text-anchor="{}">{}</text>',
        ((0 if index == 0 else WIDTH, PEAK_ROOM + COLUMN_AREA_HEIGHT + 14, anchor(index),
          points[index].label) for index in ends),
    )
    peak = ""
    highest = max(range(len(points)), key=lambda i: points[i].value, default=None)
    if highest is not None and points[highest].value:
        peak = format_html(
            '<text class="chart-value" x="{}" y="12" text-anchor="{}">{}</text>',
            round(highest * step + step / 2, 1), anchor(highest),
            _shown(points[highest].value, money),
        )
    body = format_html("{}{}{}", columns, labels, peak)
    return _svg(chart_id=chart_id, title=title, height=PEAK_ROOM + COLUMN_AREA_HEIGHT + 20,
                body=body)


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
