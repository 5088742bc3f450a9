"""The dbt project: rules seeds, staging, intermediate logic and the allocation marts.

`dbt build` runs models and their data tests together; a failing rule test fails this step, so
the sync downstream never runs on an allocation that breaks the rules of engagement.
"""

# No `from __future__ import annotations` here: Dagster inspects the context type hint at runtime.
import json

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.dbt_project import bookflow_dbt_project, dbt_environment
from orchestration.resources import BookflowSettings
from orchestration.translator import BookflowTranslator


@dbt_assets(
    manifest=bookflow_dbt_project.manifest_path,
    project=bookflow_dbt_project,
    dagster_dbt_translator=BookflowTranslator(),
)
def allocation_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, bookflow: BookflowSettings):
    dbt_vars = {"as_of": bookflow.run_date().isoformat()}
    with dbt_environment(bookflow.warehouse_path, bookflow.rules_dir):
        yield from dbt.cli(["build", "--vars", json.dumps(dbt_vars)], context=context).stream()
