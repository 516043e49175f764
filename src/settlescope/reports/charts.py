"""Charts of the reports, as Vega-Lite specs made with Vega-Altair.

One spec serves both outputs: the HTML report embeds it (interactive, with vega-embed inline)
and the PDF shows the static SVG that vl-convert draws from it. Data is inlined in the spec,
so nothing is fetched.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

import altair as alt

from settlescope.reports.maps import VL_VERSION

PARTNER = "#1f5f99"
OTHER = "#9bb7d4"


def figure_bars(
    rows: list[dict[str, Any]],
    title: str,
    unit: str,
    median: float | None,
    gettext: Any,
    reference: tuple[float, str] | None = None,
) -> dict[str, Any]:
    """A bar per organization, with its interval where it has one and the sector median.

    ``reference`` (value, label) draws a solid rule where the value means "no difference",
    such as 1 for a ratio of shares.
    """
    data = [
        dict(organization=r["organization"], role=r["role"], value=r["value"],
             lower=r["lower"], upper=r["upper"], n=r["n"])
        for r in rows
    ]  # fmt: skip
    fmt = ".1%" if unit == "share" else (".3~f" if unit == "ratio" else ",.0f")
    base = alt.Chart(alt.Data(values=data))
    y = alt.Y("organization:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220))
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=title, axis=alt.Axis(format=fmt)),
        y=y,
        color=alt.Color(
            "role:N",
            title=None,
            scale=alt.Scale(
                domain=[gettext("partner"), gettext("other organization")], range=[PARTNER, OTHER]
            ),  # fmt: skip
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("organization:N"),
            alt.Tooltip("value:Q", format=fmt),
            alt.Tooltip("lower:Q", format=fmt),
            alt.Tooltip("upper:Q", format=fmt),
            alt.Tooltip("n:Q", format=",.0f"),
        ],
    )
    layers: list[Any] = [bars]
    if any(r["lower"] is not None for r in data):
        layers.append(
            base.transform_filter("isValid(datum.lower)")
            .mark_rule(color="#222")
            .encode(x="lower:Q", x2="upper:Q", y=y)
        )
    if median is not None:
        layers.append(
            alt.Chart(alt.Data(values=[{"m": median, "label": gettext("sector median")}]))
            .mark_rule(color="#c0392b", strokeDash=[4, 3])
            .encode(
                x="m:Q", tooltip=[alt.Tooltip("m:Q", title=gettext("sector median"), format=fmt)]
            )  # fmt: skip
        )
    if reference is not None:
        layers.append(
            alt.Chart(alt.Data(values=[{"r": reference[0]}]))
            .mark_rule(color="#222", strokeWidth=1.5)
            .encode(x="r:Q", tooltip=[alt.Tooltip("r:Q", title=reference[1], format=fmt)])
        )
    chart = alt.layer(*layers).properties(width=520, height=max(80, 18 * len(data)))
    return chart.to_dict()


def monthly_lines(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """Items per month, one line per organization."""
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%Y-%m")),
            y=alt.Y("value:Q", title=title),
            color=alt.Color("organization:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                "organization:N",
                alt.Tooltip("month:T", format="%Y-%m"),
                alt.Tooltip("value:Q", format=",.0f"),
            ],  # fmt: skip
        )
        .properties(width=560, height=240)
    )
    return chart.to_dict()


def hourly_lines(rows: list[dict[str, Any]], title: str, gettext: Any) -> dict[str, Any]:
    """Engagements per post by local hour of posting, one line per organization."""
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("hour:Q", title=gettext("Hour of day (local time)"),
                    scale=alt.Scale(domain=[0, 23]), axis=alt.Axis(tickCount=12)),
            y=alt.Y("value:Q", title=title),
            color=alt.Color("organization:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["organization:N", "hour:Q", alt.Tooltip("value:Q", format=",.1f"),
                     alt.Tooltip("n:Q", title="n")],
        )
        .properties(width=560, height=240)
    )  # fmt: skip
    return chart.to_dict()


@functools.lru_cache(maxsize=2)
def format_locale(bcp47: str) -> dict[str, Any]:
    """d3's number-format locale of the language (decimal and grouping signs)."""
    import vl_convert as vlc

    return vlc.get_format_locale(bcp47)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=2)
def time_format_locale(bcp47: str) -> dict[str, Any]:
    import vl_convert as vlc

    return vlc.get_time_format_locale(bcp47)  # type: ignore[no-any-return]


def to_svg(spec: dict[str, Any], bcp47: str) -> str:
    """The static SVG of a spec, with numbers and dates in the language's format."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(  # type: ignore[no-any-return]
        spec,
        vl_version=VL_VERSION,
        allowed_base_urls=[],
        format_locale=format_locale(bcp47),
        time_format_locale=time_format_locale(bcp47),
    )


def to_png(spec: dict[str, Any], bcp47: str) -> bytes:
    """A raster of the spec at 1.5 times its size, for dense network maps in the PDF."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(  # type: ignore[no-any-return]
        spec,
        vl_version=VL_VERSION,
        scale=1.5,
        allowed_base_urls=[],
        format_locale=format_locale(bcp47),
        time_format_locale=time_format_locale(bcp47),
    )


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
