"""What routing reads from the CRM file and the rules, for the hand-raising accounts only."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from bookflow.validation import check_rules
from reverse_etl.duckdb_files import attach_read_only, open_duckdb

# Rows may land in the signals table slightly out of received_at order (two webhook processes);
# the router re-reads this far behind its watermark, and the exactly-once key drops repeats.
_WATERMARK_OVERLAP = timedelta(minutes=10)


def load_rules(con: duckdb.DuckDBPyConnection, rules_dir: Path) -> None:
    """The rules files the daily cycle seeds into dbt, as temp tables (checked first)."""
    check_rules(rules_dir)
    for name in ("signal_weights", "segments", "theaters", "reps", "settings", "activity_types", "account_overrides"):
        csv = str(rules_dir / f"{name}.csv")
        con.execute(
            f"create or replace temp table rules_{name} as select * from read_csv(?, header = true, all_varchar = true)",
            [csv],
        )
    con.execute(
        """
        create or replace temp table rules_in_force as
        select
            max(case when setting = 'pool_owner_id' then value end) as pool_owner_id,
            cast(max(case when setting = 'working_sla_days' then value end) as integer) as working_sla_days
        from rules_settings
        """
    )


def _received_at_expression(con: duckdb.DuckDBPyConnection) -> str:
    """When a signal landed: its `received_at` where the CRM keeps one, else when it occurred."""
    has_column = con.execute(
        """
        select count(*) from duckdb_columns()
        where database_name = 'crm' and schema_name = 'signals' and table_name = 'account_signal'
            and column_name = 'received_at'
        """
    ).fetchone()[0]
    return "coalesce(signals.received_at, signals.occurred_at)" if has_column else "signals.occurred_at"


def read_crm(con: duckdb.DuckDBPyConnection, crm: Path) -> None:
    """Copy what routing needs from the CRM, for the hand-raising accounts only, then let it go."""
    attach_read_only(con, crm, "crm")
    try:
        received_at = _received_at_expression(con)
        con.execute(
            f"""
            create or replace temp table new_raises as
            select
                signals.account_id,
                signals.signal_type,
                signals.occurred_at,
                min({received_at}) as received_at
            from crm.signals.account_signal as signals
            where signals.signal_type in (
                    select signal_type from rules_signal_weights where lower(is_hand_raise) = 'true'
                )
                and signals.account_id is not null
                and signals.occurred_at is not null
                and {received_at} > (select received_up_to from inbound.watermark) - ?::interval
                and not exists (
                    select 1 from inbound.hand_raises as seen
                    where seen.account_id = signals.account_id
                        and seen.signal_type = signals.signal_type
                        and seen.occurred_at = signals.occurred_at
                )
            group by signals.account_id, signals.signal_type, signals.occurred_at
            """,
            [_WATERMARK_OVERLAP],
        )
        con.execute(
            """
            create or replace temp table raised_accounts as
            select
                account.id as account_id,
                count(*) as crm_rows,
                any_value(account.owner_id) as owner_id,
                any_value(account.type) as account_type,
                any_value(account.number_of_employees) as employee_count,
                any_value(upper(account.billing_country)) as billing_country
            from crm.salesforce.account as account
            where account.id in (select account_id from new_raises)
                and not coalesce(account.is_deleted, false)
            group by account.id
            """
        )
        con.execute(
            """
            create or replace temp table raised_opportunities as
            select
                account_id,
                bool_or(not is_closed) as has_open_opportunity,
                bool_or(is_won) as has_won_opportunity
            from crm.salesforce.opportunity
            where account_id in (select account_id from new_raises) and not coalesce(is_deleted, false)
            group by account_id
            """
        )
        con.execute(
            """
            create or replace temp table raised_touches as
            with activities as (
                select account_id, owner_id, type, activity_date, is_deleted from crm.salesforce.task
                union all
                select account_id, owner_id, type, activity_date, is_deleted from crm.salesforce.event
            )
            select activities.account_id, activities.owner_id, max(activities.activity_date) as last_touched_at
            from activities
            inner join rules_activity_types as types
                on activities.type = types.activity_type and lower(types.is_meaningful) = 'true'
            where activities.account_id in (select account_id from new_raises)
                and not coalesce(activities.is_deleted, false)
            group by activities.account_id, activities.owner_id
            """
        )
        con.execute(
            """
            create or replace temp table raised_owners as
            select id as user_id, bool_and(coalesce(is_active, false)) as is_active
            from crm.salesforce."user"
            where id in (select owner_id from raised_accounts)
            group by id
            """
        )
    finally:
        con.execute("detach crm")


def latest_hand_raise(crm: Path, rules_dir: Path) -> datetime | None:
    """When the newest hand raise landed in the CRM: a cheap look for the sensor."""
    if not Path(crm).exists():
        return None
    with open_duckdb(Path(":memory:")) as con:
        load_rules(con, Path(rules_dir))
        attach_read_only(con, crm, "crm")
        received_at = _received_at_expression(con)
        return con.execute(
            f"""
            select max({received_at})
            from crm.signals.account_signal as signals
            where signals.signal_type in (
                select signal_type from rules_signal_weights where lower(is_hand_raise) = 'true'
            )
            """
        ).fetchone()[0]
