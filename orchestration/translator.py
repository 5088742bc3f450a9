"""How dbt nodes appear in Dagster: grouped by the layer of the flow, described by their YAML."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from orchestration.dbt_project import BUILD_ONLY_TAG, crm_staging_path

# Who answers for an asset unless its dbt meta names an `owner` (a team:name or an email).
DEFAULT_OWNER = "team:revops"
CRM_STAGING = {crm_staging_path("salesforce"): "Salesforce", crm_staging_path("hubspot"): "HubSpot"}


class BookflowTranslator(DagsterDbtTranslator):
    """Asset groups follow the dbt folders: rules, staging, intermediate, marts."""

    def __init__(self) -> None:
        # Tests on the raw sources (their keys) become checks on the extract's assets.
        super().__init__(
            settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_source_tests_as_checks=True)
        )

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """Seeds are the rules; models take the name of their top folder."""
        if dbt_resource_props["resource_type"] == "seed":
            return "rules"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "allocation"

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):  # noqa: ANN001, ANN201
        """dbt's data tests as asset checks, but for those that no Dagster run evaluates (tagged
        build_only): the UI would list them as never evaluated, and each run would warn that a
        blocking check emitted no result."""
        if BUILD_ONLY_TAG in manifest["nodes"][unique_id].get("tags", []):
            return None
        return super().get_asset_check_spec(asset_spec, manifest, unique_id, project)

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        """The YAML description and where the node lives; the SQL stays in its file, not in the UI."""
        description = (dbt_resource_props.get("description") or "").strip()
        where = dbt_resource_props.get("original_file_path") or ""
        # A CRM's staging layer (orchestration/schedules.py): why the other CRM's stays unmaterialized.
        crm = next((name for folder, name in CRM_STAGING.items() if where.startswith(folder)), None)
        built = f"A cycle builds it when {crm} is the CRM in use." if crm else ""
        return "\n\n".join(filter(None, [description, built, f"dbt {dbt_resource_props['resource_type']}: `{where}`"]))

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        """The node's `meta.owner` in dbt, else the RevOps team that owns the rules."""
        owner = (dbt_resource_props.get("config", {}).get("meta") or dbt_resource_props.get("meta") or {}).get("owner")
        return [owner or DEFAULT_OWNER]


def with_default_owner(spec):  # noqa: ANN001, ANN201 (a dagster AssetSpec, for dg.map_asset_specs)
    """An asset that names no owner is the RevOps team's, as the dbt nodes are."""
    return spec if spec.owners else spec.replace_attributes(owners=[DEFAULT_OWNER])
