"""The dbt project: rules seeds, staging, intermediate logic and the allocation marts.

`dbt build` runs models and their data tests together; a failing rule test fails this step, so
the sync downstream never runs on an allocation that breaks the rules of engagement.
"""

# No `from __future__ import annotations` here: Dagster inspects the context type hint at runtime.
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, dbt_assets

from bookflow.guards import GuardStop, check_quarantine_share, keep_landed_volumes, shrunken_tables
from bookflow.slots import make_current, prepare_slot, slot_schema, warehouse_slots
from orchestration.dbt_project import (
    bookflow_dbt_project,
    daily_build_args,
    dbt_environment,
    incremental_relations,
)
from orchestration.extract_assets import guard_failure
from orchestration.parse_states import invocation_target, keep_parse_state, prune_old_targets
from orchestration.resources import BookflowSettings, CycleLock
from orchestration.translator import BookflowTranslator

# The raw tables int_accounts_last_touched counts incrementally.
ACTIVITY_TABLES = ("salesforce.task", "salesforce.event")


@dbt_assets(
    manifest=bookflow_dbt_project.manifest_path,
    project=bookflow_dbt_project,
    dagster_dbt_translator=BookflowTranslator(),
)
def allocation_dbt_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, bookflow: BookflowSettings, cycle_lock: CycleLock
):
    args = daily_build_args()
    warehouse = Path(bookflow.warehouse_path)
    reason = (
        "asked for"
        if bookflow.full_refresh
        else full_refresh_reason(warehouse, Path(bookflow.rules_dir), bookflow.run_date())
    )
    if reason:
        context.log.info(f"full refresh of the incremental models: {reason}")
        args.append("--full-refresh")
    # Every relation goes into the slot no reader uses; it becomes current below, all at once,
    # only when every model and test has passed (bookflow/slots.py).
    current, slot = warehouse_slots(warehouse)
    carried = prepare_slot(warehouse, slot, incremental_relations())
    context.log.info(
        f"building slot {slot} (current: {current or 'none'}); carried over: {', '.join(carried) or 'nothing'}"
    )
    target = invocation_target(context.op_execution_context.op.name, context.run.run_id, warehouse, slot)
    try:
        with dbt_environment(
            bookflow.warehouse_path, bookflow.rules_dir, bookflow.run_date(), bookflow.crm_in_use(), slot=slot
        ):
            yield from dbt.cli(args, context=context, target_path=target).stream()
    finally:
        # A failed build parsed the project all the same: the run that follows (the fix) starts from it.
        keep_parse_state(target, warehouse, slot)
        prune_old_targets(target)
    limits = bookflow.guard_limits()
    try:
        shown = make_current(
            warehouse,
            slot,
            bookflow.run_date(),
            check=lambda con: context.log.info(check_quarantine_share(con, slot_schema("marts", slot), limits)),
            record=keep_landed_volumes,
        )
    except GuardStop as error:
        raise guard_failure(error) from error
    context.log.info(f"slot {slot} is current: {shown} relations in rules, staging, intermediate and marts")


def full_refresh_reason(warehouse_path: Path, rules_dir: Path, as_of: date) -> str | None:
    """Why the incremental models cannot be topped up for this run, or None when they can.

    They hold what earlier runs counted up to their day, with the meaningful activity types, the
    pool user and the SDR owner column of that time: a run for an earlier day, new meaningful
    types, another pool user, another SDR column, or activities that shrank since the last good
    run (rows deleted), needs them rebuilt.
    """
    if not warehouse_path.exists():
        return None
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        shrunken = [table for table in shrunken_tables(con) if table in ACTIVITY_TABLES]
        if shrunken:
            return f"{', '.join(shrunken)} lost rows since the last good run"
        tables = {
            ".".join(row)
            for row in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        }
        if "intermediate.int_accounts_last_touched" in tables:
            columns = {
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'intermediate' and table_name = 'int_accounts_last_touched'"
                ).fetchall()
            }
            if not {"landed_through", "counted_through"} <= columns:
                return "int_accounts_last_touched was built by an older bookflow, without its watermarks"
            if "last_touched_by_sdr_at" not in columns:
                return "int_accounts_last_touched was built by an older bookflow, without the SDR's touches"
        if "marts.account_status" in tables:
            last_day = con.execute("select max(as_of) from marts.account_status").fetchone()[0]
            if last_day is not None and last_day > as_of:
                return f"the last run was for {last_day}, later than {as_of}"
        if "rules.activity_types" in tables:
            landed = set(con.execute("select activity_type, is_meaningful from rules.activity_types").fetchall())
            wanted = set(
                con.execute(
                    "select activity_type, cast(is_meaningful as boolean) "
                    "from read_csv(?, header = true, all_varchar = true)",
                    [str(rules_dir / "activity_types.csv")],
                ).fetchall()
            )
            if landed != wanted:
                return "activity_types.csv changed since the last run"
        if "rules.settings" in tables:
            # Touches by the owner are not counted for pool accounts: a new pool user changes which;
            # touches by the SDR are counted for whoever holds the SDR column.
            for setting, what in (("pool_owner_id", "the pool user"), ("sdr_owner_column", "the SDR owner column")):
                landed = con.execute("select value from rules.settings where setting = ?", [setting]).fetchall()
                wanted = con.execute(
                    "select value from read_csv(?, header = true, all_varchar = true) where setting = ?",
                    [str(rules_dir / "settings.csv"), setting],
                ).fetchall()
                if landed != wanted:
                    return f"{what} ({setting} in settings.csv) changed since the last run"
    return None
