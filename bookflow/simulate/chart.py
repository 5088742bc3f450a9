"""The simulation's chart: one self-contained HTML page (plotly's JS inlined), week by week for
both worlds, and rep by rep."""

from __future__ import annotations

from pathlib import Path

from bookflow.simulate.measures import WORLD_LABELS, WORLDS, SimulationResult

COLOURS = {"static": "#8c8c8c", "dynamic": "#1f77b4"}
# (column, title, axis format) of the week-by-week panels, all reps together.
WEEKLY_PANELS = (
    ("opportunities", "Opportunities opened in the week", ",d"),
    ("opportunities_to_date", "Opportunities to date", ",d"),
    ("top_tier_coverage", "Top-tier coverage (touched in 30 days)", ".0%"),
    ("pool_depth", "Pool depth (ready accounts waiting)", ",d"),
    ("idle_slots", "Idle slots (capacity with nothing to work)", ",d"),
    ("book_touched_share", "Books touched in 30 days", ".0%"),
)


def write_chart(result: SimulationResult) -> Path:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    titles = [title for _, title, _ in WEEKLY_PANELS] + ["Opportunities per rep", "Book touched in 30 days, last week"]
    figure = make_subplots(
        rows=3,
        cols=3,
        specs=[[{}, {}, {}], [{}, {}, {}], [{"colspan": 2}, None, {}]],
        subplot_titles=titles,
        vertical_spacing=0.1,
    )
    for world in WORLDS:
        style = {"name": WORLD_LABELS[world], "legendgroup": world, "marker_color": COLOURS[world]}
        weeks = result.weeks(world)
        labels = [f"week {row['week']}" for row in weeks]
        for number, (column, _, axis) in enumerate(WEEKLY_PANELS):
            row, col = 1 + number // 3, 1 + number % 3
            figure.add_trace(
                go.Scatter(
                    x=labels,
                    y=[week[column] for week in weeks],
                    mode="lines+markers",
                    showlegend=number == 0,
                    **style,
                ),
                row,
                col,
            )
            figure.update_yaxes(tickformat=axis, rangemode="tozero", row=row, col=col)
        figure.add_trace(
            go.Bar(
                x=[rep["rep_name"] for rep in result.per_rep],
                y=[rep[f"{world}_opps"] for rep in result.per_rep],
                showlegend=False,
                **style,
            ),
            3,
            1,
        )
        last_week = max((row["week"] for row in result.weekly), default=0)
        per_rep = [
            row
            for row in result.weekly
            if row["world"] == world and row["rep_id"] != "all" and row["week"] == last_week
        ]
        figure.add_trace(
            go.Bar(
                x=[row["rep_name"] for row in per_rep],
                y=[row["book_touched_share"] for row in per_rep],
                showlegend=False,
                **style,
            ),
            3,
            3,
        )
    figure.update_yaxes(tickformat=".0%", row=3, col=3)
    figure.update_layout(
        title=(
            f"Static territories vs dynamic books: {result.scenario}, {result.config.days} day(s) "
            f"from {result.start.isoformat()}"
        ),
        height=1100,
        barmode="group",
        template="plotly_white",
    )
    figure.write_html(result.chart_path, include_plotlyjs=True, full_html=True)
    return result.chart_path
