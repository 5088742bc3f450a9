"""The book-health report: one self-contained HTML page of the coverage marts for a RevOps leader.

It reads the marts (schema `marts` of the warehouse, or of the read-only DuckDB file that
`bookflow publish` writes for BI tools) and draws five plotly charts:

* coverage over time by tier (`coverage_daily_history`): share of NBTAM worked in 30 days;
* book sizes against capacity per rep (`book_health`, latest day): working, new and unworked;
* pool depth against open capacity per target book (`capacity_gap`, latest day);
* returns by reason (`returns_by_reason`, latest day, last 30 and 90 days);
* conversions by source (`conversion_by_source`, latest day).

plotly's JavaScript is inlined once, so the page works offline and can be mailed as a file.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

REPORT_NAME = "book_health_report.html"
# The tables the page reads, in schema marts (the coverage marts' public contract).
SOURCES = ("coverage_daily_history", "book_health", "capacity_gap", "returns_by_reason", "conversion_by_source")
CHART_IDS = ("coverage-by-tier", "books-vs-capacity", "pool-vs-capacity", "returns-by-reason", "conversion-by-source")
TIER_COLOURS = {1: "#1f77b4", 2: "#ff7f0e", 3: "#9e9e9e"}


class ReportError(Exception):
    """The report cannot be drawn: the database or one of the marts is missing."""


@dataclass(frozen=True)
class Report:
    path: Path
    as_of: str
    charts: int
    bytes: int

    def format(self) -> str:
        return f"book-health report for {self.as_of}: {self.charts} charts, {self.bytes / 1e6:.1f} MB -> {self.path}"


def default_report_path(warehouse: Path) -> Path:
    """Beside the warehouse, so each workspace (tests, simulations) keeps its own page."""
    return Path(warehouse).resolve().parent / REPORT_NAME


def _read(database: Path) -> dict[str, list[dict]]:
    if not Path(database).exists():
        raise ReportError(f"{database} does not exist: run `bookflow run` first")
    with duckdb.connect(str(database), read_only=True) as con:
        present = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        missing = [name for name in SOURCES if name not in present]
        if missing:
            raise ReportError(
                f"{database} has no marts.{', marts.'.join(missing)}: run `bookflow run` with the coverage marts first"
            )

        def rows(sql: str) -> list[dict]:
            cursor = con.execute(sql)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

        return {
            "coverage": rows(
                """
                select as_of, tier,
                    sum(nbtam_accounts) as nbtam_accounts,
                    sum(worked_30d) as worked_30d,
                    sum(worked_30d) * 1.0 / nullif(sum(nbtam_accounts), 0) as coverage_30d,
                    sum(worked_90d) * 1.0 / nullif(sum(nbtam_accounts), 0) as coverage_90d
                from marts.coverage_daily_history
                group by as_of, tier
                order by tier, as_of
                """
            ),
            "books": rows(
                """
                select rep_id, target_book, capacity, book_size, working, new_in_grace, unworked, as_of
                from marts.book_health
                order by target_book, rep_id
                """
            ),
            "gap": rows(
                """
                select target_book, ready_pool, open_slots, gap, weeks_of_pool_left, as_of
                from marts.capacity_gap
                order by target_book
                """
            ),
            "returns": rows(
                """
                select return_reason, sum(returns_30d) as returns_30d, sum(returns_90d) as returns_90d
                from marts.returns_by_reason
                group by return_reason
                order by returns_90d desc, return_reason
                """
            ),
            "conversion": rows(
                """
                select source, accounts, converted_accounts, conversion_rate, conversion_window_days
                from marts.conversion_by_source
                order by source
                """
            ),
            "rep_names": rows(
                "select rep_id, rep_name from marts.rep_capacity"
                if "rep_capacity" in present
                else "select null as rep_id, null as rep_name where false"
            ),
        }


def _figures(data: dict[str, list[dict]]) -> list[tuple[str, str, str, object]]:
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
    figures.append((CHART_IDS[0], "Coverage over time by tier", "Are our best accounts being worked?", coverage))

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
    figures.append((CHART_IDS[1], "Book sizes against capacity per rep", "Is capacity matched to each rep?", books))

    gap = go.Figure(layout=layout | {"barmode": "group"})
    target_books = [row["target_book"] for row in data["gap"]]
    gap.add_trace(go.Bar(x=target_books, y=[row["ready_pool"] for row in data["gap"]], name="ready pool"))
    gap.add_trace(go.Bar(x=target_books, y=[row["open_slots"] for row in data["gap"]], name="open slots"))
    gap.update_yaxes(title="accounts")
    figures.append(
        (
            CHART_IDS[2],
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
    figures.append((CHART_IDS[3], "Returns by reason", "Why do reps send accounts back?", returns))

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
        (CHART_IDS[4], "Conversions by source", "Do distributed accounts convert like inbound ones?", conversion)
    )
    return figures


def write_report(database: Path, out: Path) -> Report:
    """Write the page to `out` (through a temporary file, so a reader never sees half a page)."""
    import plotly.io as pio

    data = _read(Path(database))
    as_of = max((str(row["as_of"]) for row in data["books"] + data["gap"]), default="no run yet")
    sections = []
    for number, (div_id, title, question, figure) in enumerate(_figures(data)):
        chart = pio.to_html(
            figure,
            include_plotlyjs=number == 0,
            full_html=False,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True},
        )
        sections.append(
            f'<section><h2>{html.escape(title)}</h2><p class="question">{html.escape(question)}</p>{chart}</section>'
        )
    ready = sum(row["ready_pool"] or 0 for row in data["gap"])
    slots = sum(row["open_slots"] or 0 for row in data["gap"])
    tier_one = [row for row in data["coverage"] if row["tier"] == 1 and str(row["as_of"]) == as_of]
    headline = (
        f"Tier-1 coverage (30 days): {tier_one[0]['coverage_30d']:.1%}. "
        if tier_one and tier_one[0]["coverage_30d"] is not None
        else ""
    ) + f"Ready pool {ready:,} accounts against {slots:,} open slots across {len(data['gap'])} target books."
    page = PAGE.format(
        as_of=html.escape(as_of),
        headline=html.escape(headline),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        database=html.escape(str(database)),
        sections="\n".join(sections),
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(out)
    return Report(path=out, as_of=as_of, charts=len(sections), bytes=out.stat().st_size)


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bookflow book-health report, {as_of}</title>
<style>
  body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px;
         padding: 1.5rem; color: #222; }}
  h1 {{ margin-bottom: 0.2rem; }}
  .headline {{ font-size: 1.1rem; }}
  .meta, .question {{ color: #666; margin-top: 0; }}
  section {{ border-top: 1px solid #ddd; margin-top: 1.5rem; }}
</style>
</head>
<body>
<h1>Book health, {as_of}</h1>
<p class="headline">{headline}</p>
<p class="meta">bookflow coverage marts from {database}, drawn {generated}.</p>
{sections}
</body>
</html>
"""
