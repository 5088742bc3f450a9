"""The book-health report's charts: one plotly figure per question, from the rows bookflow/report.py reads."""

from __future__ import annotations

from dataclasses import dataclass

TIER_COLOURS = {1: "#1f77b4", 2: "#ff7f0e", 3: "#9e9e9e"}


@dataclass(frozen=True)
class Section:
    """One question of the page: a chart, or a note when the data cannot answer it yet (day one)."""

    div_id: str
    title: str
    question: str
    figure: object | None = None
    note: str | None = None


def build_figures(data: dict[str, list[dict]], chart_ids: tuple[str, ...]) -> list[Section]:
    """A section per question, in the order of `chart_ids`."""
    import plotly.graph_objects as go

    layout = {"template": "plotly_white", "height": 420, "margin": {"t": 30, "l": 60, "r": 20, "b": 80}}
    figures = []

    figures.append(_coverage(data["coverage"], layout, chart_ids[0]))

    names = {row["rep_id"]: row["rep_name"] for row in data["rep_names"]}
    books = go.Figure(layout=layout | {"barmode": "stack"})
    labels = [f"{names.get(row['rep_id'], row['rep_id'])} ({row['target_book']})" for row in data["books"]]
    grades = [[row["graded_green"], row["graded_yellow"], row["graded_red"]] for row in data["books"]]
    for part, colour in (("working", "#2ca02c"), ("new_in_grace", "#98df8a"), ("unworked", "#d62728")):
        books.add_trace(
            go.Bar(
                x=labels,
                y=[row[part] for row in data["books"]],
                name=part.replace("_", " "),
                marker_color=colour,
                customdata=grades,
                hovertemplate=f"%{{y:,}} {part.replace('_', ' ')}<br>working grades: %{{customdata[0]:,}} green, "
                "%{customdata[1]:,} yellow, %{customdata[2]:,} red",
            )
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
    figures.append(
        Section(chart_ids[1], "Book sizes against capacity per rep", "Is capacity matched to each rep?", books)
    )

    gap = go.Figure(layout=layout | {"barmode": "group"})
    target_books = [row["target_book"] for row in data["gap"]]
    gap.add_trace(go.Bar(x=target_books, y=[row["ready_pool"] for row in data["gap"]], name="ready pool"))
    gap.add_trace(go.Bar(x=target_books, y=[row["open_slots"] for row in data["gap"]], name="open slots"))
    gap.update_yaxes(title="accounts")
    figures.append(
        Section(
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
    figures.append(Section(chart_ids[3], "Returns by reason", "Why do reps send accounts back?", returns))

    figures.append(_conversion(data["conversion"], layout, chart_ids[4]))
    return figures


def _coverage(rows: list[dict], layout: dict, div_id: str) -> Section:
    """Coverage by tier over the days of history; on a single day, that day's bars and a note."""
    import plotly.graph_objects as go

    days = sorted({str(row["as_of"]) for row in rows})
    figure = go.Figure(layout=layout)
    for tier in sorted({row["tier"] for row in rows}):
        tier_rows = [row for row in rows if row["tier"] == tier]
        trace = {
            "y": [row["coverage_30d"] for row in tier_rows],
            "name": f"tier {tier}",
            "customdata": [[row["worked_30d"], row["nbtam_accounts"]] for row in tier_rows],
            "hovertemplate": "%{y:.1%} of NBTAM worked in 30 days (%{customdata[0]:,} of %{customdata[1]:,})",
        }
        if len(days) > 1:
            figure.add_trace(
                go.Scatter(
                    x=[row["as_of"] for row in tier_rows],
                    mode="lines+markers",
                    line={"color": TIER_COLOURS.get(tier)},
                    **trace,
                )
            )
        else:
            figure.add_trace(go.Bar(x=[f"tier {tier}"], marker_color=TIER_COLOURS.get(tier), **trace))
    figure.update_yaxes(tickformat=".0%", rangemode="tozero", title="worked in the last 30 days")
    question = "Are our best accounts being worked?"
    if len(days) > 1:
        figure.update_xaxes(type="date", tickformat="%Y-%m-%d", dtick=86_400_000)
        return Section(div_id, "Coverage over time by tier", question, figure)
    note = (
        f"History starts on {days[0]}: the trend over time is drawn from the second day on "
        "(run daily, or fill past days with `bookflow backfill`). Today's coverage by tier:"
        if days
        else "No coverage history yet: run `bookflow run`."
    )
    return Section(div_id, "Coverage by tier", question, figure if days else None, note)


def _conversion(rows: list[dict], layout: dict, div_id: str) -> Section:
    """Matured entries and how many converted, per source; a note while no window has matured."""
    import plotly.graph_objects as go

    title, question = "Conversions by source", "Do distributed accounts convert like inbound ones?"
    window = next((row["conversion_window_days"] for row in rows), None)
    if not any(row["matured_accounts"] for row in rows):
        so_far = ", ".join(f"{row['source']} {row['converted_accounts']:,} of {row['accounts']:,}" for row in rows)
        note = (
            f"No conversion window has matured yet: an entry into a book counts as converted when an opportunity "
            f"is created within {window} days, and no entry is {window} days old. Entries with an opportunity so "
            f"far: {so_far or 'none'}."
        )
        return Section(div_id, title, question, None, note)
    sources = [row["source"] for row in rows]
    figure = go.Figure(layout=layout | {"barmode": "group"})
    figure.add_trace(
        go.Bar(
            x=sources,
            y=[row["matured_accounts"] for row in rows],
            name="entries with a full window",
            marker_color="#c5b0d5",
        )
    )
    figure.add_trace(
        go.Bar(
            x=sources,
            y=[row["matured_converted_accounts"] for row in rows],
            # The rate is null for a source none of whose entries has had its full window.
            text=[
                f"{row['matured_conversion_rate']:.1%}" if row["matured_conversion_rate"] is not None else ""
                for row in rows
            ],
            name=f"with an opportunity within {window} days",
            marker_color="#9467bd",
        )
    )
    figure.update_yaxes(title=f"entries at least {window} days old")
    return Section(div_id, title, question, figure)
