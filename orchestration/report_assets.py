"""The book-health report page, drawn from the coverage marts after every run (bookflow/report.py)."""

from pathlib import Path

import dagster as dg

from bookflow.report import SOURCES, ReportError, default_report_path, write_report
from orchestration.allocation_assets import allocation_dbt_assets
from orchestration.resources import BookflowSettings, CycleLock

# The coverage marts the page reads; a failed dbt build leaves the previous page in place.
REPORT_DEPS = sorted(
    (key for key in allocation_dbt_assets.keys if key.path[0] == "marts" and key.path[-1] in SOURCES),
    key=lambda key: key.path,
)


@dg.asset(
    key=dg.AssetKey(["bi", "book_health_report"]),
    deps=REPORT_DEPS,
    group_name="bi",
    description="Self-contained HTML page: coverage by tier, books vs capacity, pool vs open slots, returns, conversions.",
)
def book_health_report(
    context: dg.AssetExecutionContext, bookflow: BookflowSettings, cycle_lock: CycleLock
) -> dg.MaterializeResult:
    warehouse = Path(bookflow.warehouse_path)
    try:
        report = write_report(warehouse, default_report_path(warehouse))
    except ReportError as error:
        raise dg.Failure(description=str(error)) from error
    context.log.info(report.format())
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(report.path)),
            "as_of": report.as_of,
            "charts": report.charts,
            "bytes": report.bytes,
        }
    )
