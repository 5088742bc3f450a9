"""`bookflow report` through the CLI, rendered in a real headless Chromium (the OS package, never a download)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from bookflow.cli import main
from bookflow.report import CHART_IDS, REPORT_NAME
from tests.conftest import AS_OF, DAY_2

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _invoke(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


def _render(
    page_path: Path, screenshot: Path | None = None, chart_ids: tuple[str, ...] = CHART_IDS
) -> tuple[dict[str, int], list[str], list[str]]:
    """Open the page offline; return the data traces each chart drew, console or page errors, URLs requested."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: scripts/setup.sh installs the Debian package")
    errors: list[str] = []
    fetched: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
            page = context.new_page()
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda request: fetched.append(request.url))
            page.goto(page_path.as_uri(), wait_until="load")
            traces = {}
            for chart_id in chart_ids:
                page.wait_for_selector(f"#{chart_id} .main-svg", timeout=20_000)
                # Traces plotly actually drew: bars, scatter points and lines in the chart's SVG.
                traces[chart_id] = page.evaluate(
                    """(id) => document.getElementById(id).querySelectorAll(
                        '.cartesianlayer .trace.bars, .cartesianlayer .trace.scatter').length""",
                    chart_id,
                )
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return traces, errors, fetched


def test_report_renders_every_chart_in_chromium(two_days, tmp_path):
    warehouse = two_days["warehouse"]  # two synced days; conversion windows of 1 day have matured

    # The Dagster asset drew the page after each run, beside the warehouse.
    assert (two_days["root"] / f"warehouse_{REPORT_NAME}").exists()

    out = tmp_path / "report" / "book_health.html"
    result = _invoke("report", "--warehouse", str(warehouse), "--out", str(out))
    # Two days of history draw a trend, and the matured windows a conversion chart: nothing to excuse.
    assert f"report for {DAY_2.isoformat()}: 5 charts" in result.output and "note" not in result.output
    assert out.stat().st_size < 1_000_000
    page = out.read_text()
    assert "No conversion window has matured yet" not in page and 'id="conversion-by-source"' in page

    traces, errors, fetched = _render(out, tmp_path / "report.png")
    assert errors == []
    # Self-contained: the browser (offline) fetched nothing but the page itself.
    assert fetched == [out.as_uri()]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tiers = con.execute("select count(distinct tier) from marts.coverage_daily_history").fetchone()[0]
        days = con.execute("select count(distinct as_of) from marts.coverage_daily_history").fetchone()[0]
    assert days == 2
    assert traces["coverage-by-tier"] == tiers > 0
    assert traces["books-vs-capacity"] == 4  # working, new in grace, unworked, and the capacity markers
    assert traces["pool-vs-capacity"] == 2
    assert traces["returns-by-reason"] == 2
    assert traces["conversion-by-source"] == 2  # entries with a full window, and those that converted
    assert (tmp_path / "report.png").stat().st_size > 10_000


def _day_one_marts(path: Path, *, matured: int) -> None:
    """The coverage marts of a single day, small enough to write by hand."""
    day = AS_OF.isoformat()
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.coverage_daily_history as select * from (values "
            f"(date '{day}', 'B', 1, 100, 60, 80, 90), (date '{day}', 'B', 2, 200, 80, 120, 150)) "
            "as t(as_of, target_book, tier, nbtam_accounts, worked_30d, worked_60d, worked_90d)"
        )
        con.execute(
            "create table marts.book_health as select * from (values "
            f"('r1', 'B', 50, 40, 30, 5, 5, 28, 7, 5, date '{day}')) "
            "as t(rep_id, target_book, capacity, book_size, working, new_in_grace, unworked,"
            " graded_green, graded_yellow, graded_red, as_of)"
        )
        con.execute(
            "create table marts.capacity_gap as select * from (values "
            f"('B', 120, 10, 110, 3.5, date '{day}')) "
            "as t(target_book, ready_pool, open_slots, gap, weeks_of_pool_left, as_of)"
        )
        con.execute(
            "create table marts.returns_by_reason as select * from (values ('B', 'no_response', 2, 3)) "
            "as t(target_book, return_reason, returns_30d, returns_90d)"
        )
        con.execute(
            "create table marts.conversion_by_source as select * from (values "
            f"('distributed', 40, 4, {matured}, {matured // 4}, {0.25 if matured else 'null'}, 90), "
            f"('owned_before', 60, 3, {matured}, {matured // 10}, {0.1 if matured else 'null'}, 90)) "
            "as t(source, accounts, converted_accounts, matured_accounts, matured_converted_accounts, "
            "matured_conversion_rate, conversion_window_days)"
        )


def test_day_one_says_what_it_cannot_show_yet(tmp_path):
    young, mature = tmp_path / "young.duckdb", tmp_path / "mature.duckdb"
    _day_one_marts(young, matured=0)
    _day_one_marts(mature, matured=20)

    out = tmp_path / "young.html"
    result = _invoke("report", "--database", str(young), "--out", str(out))
    assert "4 charts, 2 notes where the data cannot answer yet" in result.output
    page = out.read_text()
    assert f"History starts on {AS_OF.isoformat()}: the trend over time is drawn from the second day on" in page
    assert "No conversion window has matured yet" in page and "distributed 4 of 40" in page
    traces, errors, _ = _render(out, chart_ids=CHART_IDS[:4])
    # Today's coverage as one bar per tier instead of a lone point on a time axis.
    assert errors == [] and traces["coverage-by-tier"] == 2

    out = tmp_path / "mature.html"
    result = _invoke("report", "--database", str(mature), "--out", str(out))
    assert "5 charts, 1 note where" in result.output and "No conversion window" not in out.read_text()
    traces, errors, _ = _render(out, chart_ids=(CHART_IDS[0], CHART_IDS[4]))
    assert errors == [] and traces["conversion-by-source"] == 2


def test_report_without_coverage_marts_says_what_to_run(tmp_path):
    database = tmp_path / "empty.duckdb"
    duckdb.connect(str(database)).close()
    result = CliRunner().invoke(main, ["report", "--database", str(database), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "has no marts.coverage_daily_history" in result.output and "bookflow run" in result.output
    assert not (tmp_path / "r.html").exists()
