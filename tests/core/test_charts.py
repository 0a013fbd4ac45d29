"""The charts the dashboards and reports share (core/charts.py): where marks fall, what their
titles and data tables say, and that what they render passes the portal's CSP rules."""

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from core import charts
from tests.core.test_no_inline_code import inline_code

START = date(2026, 11, 1)


def days(*values) -> list[tuple[date, float | None]]:
    return [(START + timedelta(days=index), value) for index, value in enumerate(values)]


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def render(name: str, chart: dict) -> str:
    return render_to_string(f"core/charts/{name}", {"chart": chart})


class Marks(HTMLParser):
    """Tags as (name, attributes), and the text of every <title>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.titles: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.titles.append(data)


def parsed(html: str) -> Marks:
    marks = Marks()
    marks.feed(html)
    return marks


def assert_clean(html: str) -> None:
    assert inline_code(html).found == []


# --- formatting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "text"),
    [(0.25, "25.00%"), ("0.2500", "25.00%"), (0.03125, "3.12%"), (1, "100.00%"), (None, "—")],
)
def test_a_rate_reads_as_the_reports_write_it(rate, text):
    assert charts.percent_text(rate) == text


def test_count_axes_end_on_a_round_number_above_the_largest():
    assert charts.nice_ticks(17) == [0, 5, 10, 15, 20]
    assert charts.nice_ticks(38) == [0, 10, 20, 30, 40]
    assert charts.nice_ticks(3) == [0, 1, 2, 3]
    assert charts.nice_ticks(0) == [0, 1]


# --- trend --------------------------------------------------------------------------------


def test_a_rate_of_half_sits_at_mid_height_and_full_at_the_top():
    chart = charts.trend(days(0.0, 0.5, 1.0), label="复工率")
    top, bottom = chart["plot"]["top"], chart["plot"]["bottom"]
    zero, half, full = chart["series"][0]["dots"]
    assert half["y"] == pytest.approx((top + bottom) / 2)
    assert zero["y"] == bottom
    assert full["y"] == top
    assert [tick["text"] for tick in chart["y_ticks"]] == ["0%", "25%", "50%", "75%", "100%"]


def test_days_spread_evenly_from_the_left_edge_to_the_right():
    chart = charts.trend(days(*[0.1] * 30), label="复工率")
    dots = chart["series"][0]["dots"]
    assert dots[0]["x"] == chart["plot"]["left"]
    assert dots[-1]["x"] == chart["plot"]["right"]
    assert dots[15]["x"] == pytest.approx(
        chart["plot"]["left"] + (chart["plot"]["right"] - chart["plot"]["left"]) * 15 / 29, abs=0.01
    )
    # a few readable ticks, the first and the last day among them
    texts = [tick["text"] for tick in chart["x_ticks"]]
    assert texts[0] == "11-01" and texts[-1] == "11-30" and len(texts) == 5


def test_a_day_without_a_value_breaks_the_line():
    chart = charts.trend(days(0.1, 0.2, None, 0.3, 0.4), label="复工率")
    line = chart["series"][0]
    assert len(line["paths"]) == 2
    assert all(path.count("L") == 1 for path in line["paths"])  # two points each
    assert len(line["dots"]) == 4
    assert chart["table"]["rows"][2] == ["2026-11-03", "—"]


def test_a_value_alone_between_gaps_is_still_drawn_as_a_dot():
    chart = charts.trend(days(0.1, None, 0.3, None, 0.5, 0.6), label="复工率")
    line = chart["series"][0]
    assert len(line["paths"]) == 1
    assert [dot["text"] for dot in line["lone"]] == ["10.00%", "30.00%"]
    html = render("_trend.html", chart)
    assert html.count('class="dot shown"') == 3  # the two alone and the last


def test_counts_run_from_zero_to_a_round_number():
    chart = charts.trend(days(3, 17, 12), label="新增需求", percent=False)
    assert [tick["text"] for tick in chart["y_ticks"]] == ["0", "5", "10", "15", "20"]
    seventeen = chart["series"][0]["dots"][1]
    top, bottom = chart["plot"]["top"], chart["plot"]["bottom"]
    assert seventeen["y"] == pytest.approx(bottom - (bottom - top) * 17 / 20, abs=0.01)
    assert chart["table"]["rows"][1] == ["2026-11-02", "17"]


def test_the_last_value_is_written_at_the_end_of_the_line():
    chart = charts.trend(days(0.1, 0.2, 0.25), label="复工率")
    html = render("_trend.html", chart)
    assert re.search(r'class="last-value">25\.00%', html)
    assert chart["summary"] == "复工率 2026-11-03：25.00%"


def test_a_second_series_is_dashed_with_other_markers_and_a_column_of_its_own():
    chart = charts.trend(
        days(0.1, 0.2, 0.3), label="本协会", compare=days(0.2, None, 0.4), compare_label="全省"
    )
    html = render("_trend.html", chart)
    marks = parsed(html)
    groups = [
        attrs["class"]
        for tag, attrs in marks.tags
        if tag == "g" and "series" in attrs.get("class", "")
    ]
    assert groups == ["series series-main", "series series-compare"]
    assert sum(1 for tag, attrs in marks.tags if tag == "rect" and "dot" in attrs["class"]) >= 2
    assert chart["table"]["head"] == ["日期", "本协会", "全省"]
    assert chart["table"]["rows"][1] == ["2026-11-02", "20.00%", "—"]
    # the two last values are not written over each other
    labels = [line["last_label"]["y"] for line in chart["series"]]
    assert abs(labels[0] - labels[1]) >= 13


def test_a_trend_renders_titles_a_data_table_and_no_inline_code():
    chart = charts.trend(days(*[0.1 * (i % 10) for i in range(90)]), label="复工率")
    html = render("_trend.html", chart)
    marks = parsed(html)
    assert "复工率" in marks.titles
    assert "复工率 2026-11-01：0.00%" in marks.titles
    assert 'viewBox="0 0 360 200"' in html and 'width="100%"' in html
    assert "<details" in html and "数据表" in html and html.count("<tr>") == 91
    assert "dense" in html  # 90 days: the dots hide until hovered
    assert_clean(html)


# --- sparkline ----------------------------------------------------------------------------


def test_a_sparkline_says_its_first_and_last_value_with_their_days():
    chart = charts.sparkline(days(4, None, 9, 12), label="待处理需求")
    assert chart["title"] == "待处理需求：2026-11-01 为 4，2026-11-04 为 12"
    html = render("_sparkline.html", chart)
    assert 'viewBox="0 0 120 32"' in html
    assert chart["title"] in parsed(html).titles
    assert f'<span class="visually-hidden">{chart["title"]}</span>' in html
    # lowest (4) at the bottom, highest (12) at the top, 9 five eighths up; the gap breaks the
    # line, leaving the first day a dot alone
    assert chart["paths"] == ["M79.0,12.75 L117.0,3.0"]
    assert chart["lone"] == [(3.0, 29.0)]
    assert_clean(html)


# --- ranked bars --------------------------------------------------------------------------


def test_the_largest_count_is_a_full_bar_and_the_others_in_proportion():
    chart = charts.ranked_bars(
        [
            {"label": "甲协会", "value": 40, "href": "/a/"},
            {"label": "乙协会", "value": 10, "href": ""},
            {"label": "丙协会", "value": None, "href": ""},
        ],
        percent=False,
    )
    first, second, third = chart["bars"]
    assert first["main"]["width"] == 100
    assert second["main"]["width"] == 25
    assert third["main"]["width"] is None and third["main"]["text"] == "—"


def test_rate_bars_are_measured_against_a_hundred_percent():
    chart = charts.ranked_bars(
        [{"label": "天河区", "value": 0.5, "href": ""}, {"label": "越秀区", "value": 0.25}]
    )
    assert [bar["main"]["width"] for bar in chart["bars"]] == [50, 25]
    assert [bar["main"]["text"] for bar in chart["bars"]] == ["50.00%", "25.00%"]


def test_bars_render_links_titles_a_dash_for_nothing_and_the_table():
    chart = charts.ranked_bars(
        [
            {"label": "甲协会", "value": 0.9, "href": "/associations/1/", "text": "90.00%"},
            {"label": "乙协会", "value": None, "href": ""},
        ],
        value_label="按时上报率",
        caption="协会上报完整率",
    )
    html = render("_bars.html", chart)
    marks = parsed(html)
    assert '<a href="/associations/1/">甲协会</a>' in html
    assert "甲协会：90.00%" in marks.titles
    assert sum(1 for tag, _ in marks.tags if tag == "rect") == 1  # no bar for 乙协会
    assert chart["table"] == {
        "head": ["名称", "按时上报率"],
        "rows": [["甲协会", "90.00%"], ["乙协会", "—"]],
    }
    assert "<table>" in html and "<caption>协会上报完整率</caption>" in html
    assert_clean(html)


def test_bars_with_a_previous_value_show_both_on_one_scale():
    chart = charts.ranked_bars(
        [{"label": "已申请", "value": 5, "compare": 10, "href": ""}],
        percent=False,
        value_label="本期",
        compare_label="上期",
    )
    bar = chart["bars"][0]
    assert (bar["main"]["width"], bar["compare"]["width"]) == (50, 100)
    assert chart["table"]["rows"] == [["已申请", "5", "10"]]
    assert "已申请：上期 10" in parsed(render("_bars.html", chart)).titles


# --- heat map -----------------------------------------------------------------------------


def test_heat_classes_follow_the_values_against_the_largest():
    assert [charts.heat_class(value, 10) for value in (0, None, 1, 2, 3, 5, 8, 10)] == [
        0,
        0,
        1,
        1,
        2,
        3,
        4,
        5,
    ]


def test_a_heatmap_is_a_table_of_shaded_linked_cells():
    chart = charts.heatmap(
        [{"label": "天河区", "href": "/r/440106/"}, {"label": "越秀区"}],
        [{"label": "物资"}, {"label": "用工"}],
        [
            [
                {
                    "value": 10,
                    "href": "/n/?a=1",
                    "title": "天河区 物资：10",
                    "marks": "逾期 3 · 上报 1",
                },
                {"value": 0, "href": ""},
            ],
            [{"value": 4, "href": "/n/?a=3"}, {"value": 6, "href": "/n/?a=4"}],
        ],
        caption="需求热力图",
    )
    assert [[cell["heat"] for cell in row["cells"]] for row in chart["rows"]] == [[5, 0], [2, 3]]
    html = render("_heatmap.html", chart)
    assert '<td class="heat heat-5" title="天河区 物资：10">' in html
    assert '<a href="/n/?a=1" aria-label="天河区 物资：10">10</a>' in html
    assert "逾期 3 · 上报 1" in html
    assert '<th scope="row"><a href="/r/440106/">天河区</a></th>' in html
    assert 'class="heatmap-box" role="region" tabindex="0"' in html
    assert [key["text"] for key in chart["legend"]] == ["0", "1–2", "3–4", "5–6", "7–8", "9–10"]
    assert_clean(html)
