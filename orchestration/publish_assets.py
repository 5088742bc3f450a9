"""The marts, published for BI tools after every run (bookflow/publish.py says how and why)."""

from pathlib import Path

import dagster as dg

from bookflow import paths
from bookflow.publish import PublishError, publish
from orchestration.allocation_assets import allocation_dbt_assets
from orchestration.resources import BookflowSettings, CycleLock

# Every dbt model in schema marts (allocation, coverage and history): publishing waits for all of
# them, and a failed dbt build (a broken rule) leaves the previous publication in place.
MART_KEYS = sorted((key for key in allocation_dbt_assets.keys if key.path[0] == "marts"), key=lambda key: key.path)


@dg.asset(
    key=dg.AssetKey(["bi", "published_marts"]),
    deps=MART_KEYS,
    group_name="bi",
    description="Parquet files and a read-only DuckDB file of views over the marts, swapped atomically for BI tools.",
)
def published_marts(
    context: dg.AssetExecutionContext, bookflow: BookflowSettings, cycle_lock: CycleLock
) -> dg.MaterializeResult:
    warehouse = Path(bookflow.warehouse_path)
    try:
        publication = publish(warehouse, paths.publish_dir(warehouse))
    except PublishError as error:
        raise dg.Failure(description=str(error)) from error
    for line in publication.format().splitlines():
        context.log.info(line)
    return dg.MaterializeResult(
        metadata={
            "version": publication.version,
            "as_of": publication.as_of or "",
            "database": dg.MetadataValue.path(str(publication.database)),
            "tables": len(publication.tables),
            "rows": sum(publication.tables.values()),
            "removed_versions": len(publication.removed_versions),
        }
    )
