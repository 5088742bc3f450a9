"""Where bookflow keeps its files.

Every path is absolute: dbt resolves relative paths against the current directory, so the
Python entry points decide the locations once and hand them to dbt through env vars.
Nothing here is read at import time; call the functions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
BUNDLED_RULES_DIR = DBT_PROJECT_DIR / "seeds"

WAREHOUSE_ENV = "BOOKFLOW_WAREHOUSE"
RULES_ENV = "BOOKFLOW_RULES_DIR"
DEMO_CRM_ENV = "BOOKFLOW_DEMO_CRM"
INBOUND_ENV = "BOOKFLOW_INBOUND"
PUBLISH_ENV = "BOOKFLOW_PUBLISH_DIR"


def data_dir() -> Path:
    return REPO_ROOT / "data"


def warehouse_path() -> Path:
    """The DuckDB file the pipeline writes: `BOOKFLOW_WAREHOUSE` or data/warehouse.duckdb."""
    return Path(os.environ.get(WAREHOUSE_ENV) or data_dir() / "warehouse.duckdb").resolve()


def rules_dir() -> Path:
    """The roster and rules CSVs: `BOOKFLOW_RULES_DIR` or the bundled demo rules."""
    return Path(os.environ.get(RULES_ENV) or BUNDLED_RULES_DIR).resolve()


def demo_crm_path() -> Path:
    """The embedded demo CRM (a DuckDB file shaped like Salesforce): `BOOKFLOW_DEMO_CRM`."""
    return Path(os.environ.get(DEMO_CRM_ENV) or data_dir() / "demo_crm.duckdb").resolve()


def beside_warehouse(warehouse: Path | None, suffix: str) -> Path:
    """A file or folder that belongs to one warehouse file: its name is the warehouse's stem plus
    `suffix` (data/warehouse.duckdb -> data/warehouse_inbound.duckdb), so two warehouses in one
    folder never share a store, a publication or a report. Underscores, not dots: DuckDB names a
    database after its file name up to the first dot, and warehouse.inbound.duckdb would be a
    second database called `warehouse` beside the warehouse it attaches."""
    warehouse = Path(warehouse or warehouse_path()).resolve()
    return warehouse.with_name(warehouse.stem + suffix)


def inbound_store_path(warehouse: Path | None = None) -> Path:
    """The inbound routing store: `BOOKFLOW_INBOUND`, or <warehouse stem>_inbound.duckdb beside the warehouse."""
    configured = os.environ.get(INBOUND_ENV)
    if configured:
        return Path(configured).resolve()
    return beside_warehouse(warehouse, "_inbound.duckdb")


def publish_dir(warehouse: Path | None = None) -> Path:
    """Where BI tools read the published marts: `BOOKFLOW_PUBLISH_DIR`, or <warehouse stem>_publish/ beside it."""
    if os.environ.get(PUBLISH_ENV):
        return Path(os.environ[PUBLISH_ENV]).resolve()
    return beside_warehouse(warehouse, "_publish")


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set these environment variables for the length of a `with` block, then restore them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
