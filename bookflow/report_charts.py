"""The book-health report's charts: one plotly figure per question, from the rows bookflow/report.py reads."""

from __future__ import annotations

TIER_COLOURS = {1: "#1f77b4", 2: "#ff7f0e", 3: "#9e9e9e"}


def build_figures(data: dict[str, list[dict]], chart_ids: tuple[str, ...]) -> list[tuple[str, str, str, object]]:
    """(div id, title, what it answers, plotly figure) for each chart."""
    import plotly.graph_objects as go

    layout = {"template": "plotly_white", "height": 420, "margin": {"t": 30, "l": 60, "r": 20, "b": 80}}
    figures = []

    coverage = go.Figure(layout=layout)
    for tier in sorted({row["tier"] for row in data["coverage"]}):
        rows = [row for row in data["coverage"] if row["tier"] == tier]
        coverage.add_trace(
            go.Scatter(
                x=[row["as_of"] for row in rows],
                y=[row["coverage_30d"] for row in rows],
                name=f"tier {tier}",
                mode="lines+markers",
                line={"color": TIER_COLOURS.get(tier)},
                customdata=[[row["worked_30d"], row["nbtam_accounts"]] for row in rows],
                hovertemplate="%{y:.1%} of NBTAM worked in 30 days (%{customdata[0]:,} of %{customdata[1]:,})",
            )
        )
    coverage.update_yaxes(tickformat=".0%", rangemode="tozero", title="worked in the last 30 days")
    coverage.update_xaxes(type="date", tickformat="%Y-%m-%d", dtick=86_400_000)
    figures.append((chart_ids[0], "Coverage over time by tier", "Are our best accounts being worked?", coverage))

    names = {row["rep_id"]: row["rep_name"] for row in data["rep_names"]}
    books = go.Figure(layout=layout | {"barmode": "stack"})
    labels = [f"{names.get(row['rep_id'], row['rep_id'])} ({row['target_book']})" for row in data["books"]]
    for part, colour in (("working", "#2ca02c"), ("new_in_grace", "#98df8a"), ("unworked", "#d62728")):
        books.add_trace(
            go.Bar(x=labels, y=[row[part] for row in data["books"]], name=part.replace("_", " "), marker_color=colour)
        )
    books.add_trace(
        go.Scatter(
            x=labels,
            y=[row["capacity"] for row in data["books"]],
            name="capacity",
            mode="markers",
            marker={"symbol": "line-ew-open", "size": 22, "line": {"width": 3, "color": "#222"}},
        )
    )
    books.update_yaxes(title="accounts")
    figures.append((chart_ids[1], "Book sizes against capacity per rep", "Is capacity matched to each rep?", books))

    gap = go.Figure(layout=layout | {"barmode": "group"})
    target_books = [row["target_book"] for row in data["gap"]]
    gap.add_trace(go.Bar(x=target_books, y=[row["ready_pool"] for row in data["gap"]], name="ready pool"))
    gap.add_trace(go.Bar(x=target_books, y=[row["open_slots"] for row in data["gap"]], name="open slots"))
    gap.update_yaxes(title="accounts")
    figures.append(
        (
            chart_ids[2],
            "Pool depth against open capacity per target book",
            "Where are good accounts waiting for reps, and where are reps starving?",
            gap,
        )
    )

    returns = go.Figure(layout=layout | {"barmode": "group"})
    reasons = [row["return_reason"] for row in data["returns"]]
    returns.add_trace(go.Bar(x=reasons, y=[row["returns_30d"] for row in data["returns"]], name="last 30 days"))
    returns.add_trace(go.Bar(x=reasons, y=[row["returns_90d"] for row in data["returns"]], name="last 90 days"))
    returns.update_yaxes(title="accounts returned")
    figures.append((chart_ids[3], "Returns by reason", "Why do reps send accounts back?", returns))

    conversion = go.Figure(layout=layout | {"barmode": "group"})
    sources = [row["source"] for row in data["conversion"]]
    conversion.add_trace(
        go.Bar(x=sources, y=[row["accounts"] for row in data["conversion"]], name="accounts", marker_color="#c5b0d5")
    )
    conversion.add_trace(
        go.Bar(
            x=sources,
            y=[row["converted_accounts"] for row in data["conversion"]],
            # The rate is null while no account of a source is old enough to have had its chance.
            text=[
                f"{row['conversion_rate']:.1%}" if row["conversion_rate"] is not None else ""
                for row in data["conversion"]
            ],
            name="with an opportunity",
            marker_color="#9467bd",
        )
    )
    window = next((row["conversion_window_days"] for row in data["conversion"]), None)
    conversion.update_yaxes(title="accounts" + (f" (opportunity within {window} days)" if window else ""))
    figures.append(
        (chart_ids[4], "Conversions by source", "Do distributed accounts convert like inbound ones?", conversion)
    )
    return figures
