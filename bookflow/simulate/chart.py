"""The simulation's chart: one self-contained HTML page (plotly's JS inlined)."""

from __future__ import annotations

from pathlib import Path

from bookflow.simulate.measures import WORLD_LABELS, WORLDS, SimulationResult


def write_chart(result: SimulationResult) -> Path:
    """The three measures for both worlds."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    figure = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=("Opportunities created (cumulative)", "Top-tier coverage (30 days)", "Book productivity"),
    )
    colours = {"static": "#8c8c8c", "dynamic": "#1f77b4"}
    for world in WORLDS:
        rows = [row for row in result.daily if row["world"] == world]
        days = [row["day"] for row in rows]
        style = {"name": WORLD_LABELS[world], "legendgroup": world, "marker_color": colours[world]}
        figure.add_trace(
            go.Scatter(x=days, y=[row["opportunities"] for row in rows], mode="lines+markers", **style), 1, 1
        )
        figure.add_trace(
            go.Scatter(
                x=days,
                y=[row["top_tier_coverage"] for row in rows],
                mode="lines+markers",
                showlegend=False,
                **style,
            ),
            1,
            2,
        )
        figure.add_trace(
            go.Bar(
                x=[WORLD_LABELS[world]],
                y=[rows[-1]["book_productivity"]],
                text=[f"{rows[-1]['book_productivity']:.1%}"],
                showlegend=False,
                **style,
            ),
            1,
            3,
        )
    figure.update_yaxes(tickformat=".0%", row=1, col=2, range=[0, 1.05])
    figure.update_yaxes(tickformat=".1%", row=1, col=3)
    figure.update_layout(
        title=f"Static territories vs dynamic books: {result.scenario}, {result.config.days} day(s)",
        height=480,
        template="plotly_white",
    )
    figure.write_html(result.chart_path, include_plotlyjs=True, full_html=True)
    return result.chart_path
