"""The server-drawn SVG charts: proportions, labels, and text that cannot break out."""

import re

from frontend.charts import Point, bar_chart, column_chart


def widths(svg: str) -> list[int]:
    return [int(w) for w in re.findall(r'class="chart-bar" x="\d+" y="2" width="(\d+)"', svg)]


def test_bars_are_proportional_to_their_figures_and_show_them_in_rupiah():
    svg = bar_chart(chart_id="s", title="Penjualan", points=[Point("Ledo", 200_000),
                                                            Point("Seluas", 50_000)])
    first, second = widths(svg)
    assert abs(first - 4 * second) <= 2  # whole pixels
    assert "Rp200.000" in svg
    assert "Rp50.000" in svg
    assert '<title id="s-title">Penjualan</title>' in svg
    assert 'aria-labelledby="s-title"' in svg


def test_labels_and_titles_are_escaped_and_long_labels_shortened():
    svg = bar_chart(chart_id="x", title="<script>",
                    points=[Point("<b>Koperasi Tani Makmur Ledo", 1)])
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "<b>" not in svg
    assert "…" in svg


def test_counts_are_shown_without_a_currency():
    assert ">1.250<" in bar_chart(chart_id="c", title="t", points=[Point("a", 1250)], money=False)


def test_columns_label_the_ends_and_the_highest_figure():
    svg = column_chart(chart_id="d", title="30 hari", points=[
        Point("1 Nov", 0), Point("2 Nov", 5_000), Point("30 Nov", 2_500)])
    heights = [float(h) for h in re.findall(r'class="chart-bar" [^>]*height="([\d.]+)"', svg)]
    assert heights == [0.0, 140.0, 70.0]
    assert ">1 Nov<" in svg
    assert ">30 Nov<" in svg
    assert ">2 Nov<" not in svg
    assert ">Rp5.000<" in svg


def test_an_empty_or_all_zero_chart_draws_no_bars_and_no_figure():
    assert "chart-bar" not in column_chart(chart_id="e", title="t", points=[])
    zero = column_chart(chart_id="z", title="t", points=[Point("a", 0)])
    assert "chart-value" not in zero
    assert "Rp" not in zero
    assert "chart-bar" not in bar_chart(chart_id="f", title="t", points=[])
