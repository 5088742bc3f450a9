"""Where bookflow keeps its files.

Every path is absolute: dbt resolves relative paths against the current directory, so the
Python entry points decide the locations once and hand them to dbt through env vars.
Nothing here is read at import time; call the functions.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
BUNDLED_RULES_DIR = DBT_PROJECT_DIR / "seeds"

WAREHOUSE_ENV = "BOOKFLOW_WAREHOUSE"
RULES_ENV = "BOOKFLOW_RULES_DIR"
DEMO_CRM_ENV = "BOOKFLOW_DEMO_CRM"
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


def publish_dir(warehouse: Path | None = None) -> Path:
    """Where BI tools read the published marts: `BOOKFLOW_PUBLISH_DIR`, or `publish/` beside the warehouse."""
    if os.environ.get(PUBLISH_ENV):
        return Path(os.environ[PUBLISH_ENV]).resolve()
    return (Path(warehouse) if warehouse else warehouse_path()).resolve().parent / "publish"
