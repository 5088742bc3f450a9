"""How dbt nodes appear in Dagster: grouped by the layer of the flow they belong to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings


class BookflowTranslator(DagsterDbtTranslator):
    """Asset groups follow the dbt folders: rules, staging, intermediate, marts."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """Seeds are the rules; models take the name of their top folder."""
        if dbt_resource_props["resource_type"] == "seed":
            return "rules"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "allocation"
