"""The book-health report: one self-contained HTML page of the coverage marts for a RevOps leader.

It reads the marts (schema `marts` of the warehouse, or of the read-only DuckDB file that
`bookflow publish` writes for BI tools) and draws five plotly charts:

* coverage over time by tier (`coverage_daily_history`): share of NBTAM worked in 30 days;
* book sizes against capacity per rep (`book_health`, latest day): working, new and unworked,
  with each book's working grades (green, yellow, red against activity_thresholds.csv);
* pool depth against open capacity per target book (`capacity_gap`, latest day);
* returns by reason (`returns_by_reason`, latest day, last 30 and 90 days);
* conversions by source (`conversion_by_source`, latest day).

plotly's basic bundle is inlined once (bookflow/report_page.py), so the page works offline and
can be mailed as a file, in well under 1 MB. On the first days a chart whose data cannot answer
yet (a lone day of history, no conversion window matured) gives way to a note saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from bookflow import paths
from bookflow.report_charts import build_figures
from bookflow.report_page import render_page

REPORT_NAME = "book_health_report.html"
# The tables the page reads, in schema marts (the coverage marts' public contract).
SOURCES = ("coverage_daily_history", "book_health", "capacity_gap", "returns_by_reason", "conversion_by_source")
CHART_IDS = ("coverage-by-tier", "books-vs-capacity", "pool-vs-capacity", "returns-by-reason", "conversion-by-source")


class ReportError(Exception):
    """The report cannot be drawn: the database or one of the marts is missing."""


@dataclass(frozen=True)
class Report:
    path: Path
    as_of: str
    charts: int
    notes: int
    bytes: int

    def format(self) -> str:
        notes = (
            f", {self.notes} note{'s' if self.notes > 1 else ''} where the data cannot answer yet" if self.notes else ""
        )
        return f"book-health report for {self.as_of}: {self.charts} charts{notes}, {self.bytes / 1e6:.2f} MB -> {self.path}"


def default_report_path(warehouse: Path) -> Path:
    """Beside the warehouse and named after it, so each warehouse (tests, simulations) keeps its own page."""
    return paths.beside_warehouse(Path(warehouse), "_" + REPORT_NAME)


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
                select rep_id, target_book, capacity, book_size, working, new_in_grace, unworked,
                    graded_green, graded_yellow, graded_red, as_of
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
                select source, accounts, converted_accounts, matured_accounts, matured_converted_accounts,
                    matured_conversion_rate, conversion_window_days
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


def write_report(database: Path, out: Path) -> Report:
    """Write the page to `out` (through a temporary file, so a reader never sees half a page)."""
    data = _read(Path(database))
    as_of = max((str(row["as_of"]) for row in data["books"] + data["gap"]), default="no run yet")
    sections = build_figures(data, CHART_IDS)
    ready = sum(row["ready_pool"] or 0 for row in data["gap"])
    slots = sum(row["open_slots"] or 0 for row in data["gap"])
    tier_one = [row for row in data["coverage"] if row["tier"] == 1 and str(row["as_of"]) == as_of]
    headline = (
        f"Tier-1 coverage (30 days): {tier_one[0]['coverage_30d']:.1%}. "
        if tier_one and tier_one[0]["coverage_30d"] is not None
        else ""
    ) + f"Ready pool {ready:,} accounts against {slots:,} open slots across {len(data['gap'])} target books."
    page = render_page(
        sections,
        as_of=as_of,
        headline=headline,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        database=str(database),
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(out)
    charts = sum(section.figure is not None for section in sections)
    notes = sum(section.note is not None for section in sections)
    return Report(path=out, as_of=as_of, charts=charts, notes=notes, bytes=out.stat().st_size)
