"""`bookflow report` through the CLI, rendered in a real headless Chromium (the OS package, never a download)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from bookflow.cli import main
from bookflow.report import CHART_IDS, REPORT_NAME
from tests.conftest import AS_OF

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


def _render(page_path: Path, screenshot: Path | None = None) -> tuple[dict[str, int], list[str], list[str]]:
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
            for chart_id in CHART_IDS:
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


def test_report_renders_every_chart_in_chromium(workspace):
    base = ["--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm)]
    _invoke("run", "--as-of", AS_OF.isoformat(), *base)
    _invoke("run", "--as-of", (AS_OF + timedelta(days=1)).isoformat(), *base)

    # The Dagster asset drew the page after each run, beside the warehouse.
    assert (workspace.warehouse.parent / REPORT_NAME).exists()

    out = workspace.root / "report" / "book_health.html"
    result = _invoke("report", "--warehouse", str(workspace.warehouse), "--out", str(out))
    assert f"report for {(AS_OF + timedelta(days=1)).isoformat()}: 5 charts" in result.output

    traces, errors, fetched = _render(out, workspace.root / "report.png")
    assert errors == []
    # Self-contained: the browser (offline) fetched nothing but the page itself.
    assert fetched == [out.as_uri()]
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        tiers = con.execute("select count(distinct tier) from marts.coverage_daily_history").fetchone()[0]
        days = con.execute("select count(distinct as_of) from marts.coverage_daily_history").fetchone()[0]
        sources = con.execute("select count(*) from marts.conversion_by_source").fetchone()[0]
    assert days == 2
    assert traces["coverage-by-tier"] == tiers > 0
    assert traces["books-vs-capacity"] == 4  # working, new in grace, unworked, and the capacity markers
    assert traces["pool-vs-capacity"] == 2
    assert traces["returns-by-reason"] == 2
    assert traces["conversion-by-source"] == 2 and sources > 0
    assert (workspace.root / "report.png").stat().st_size > 10_000


def test_report_without_coverage_marts_says_what_to_run(tmp_path):
    database = tmp_path / "empty.duckdb"
    duckdb.connect(str(database)).close()
    result = CliRunner().invoke(main, ["report", "--database", str(database), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "has no marts.coverage_daily_history" in result.output and "bookflow run" in result.output
    assert not (tmp_path / "r.html").exists()
