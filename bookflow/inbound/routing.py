"""Route new hand raises: one set-based transaction from the CRM's signals to ownership changes.

The rules are the daily cycle's, read from the same rules files, applied to the few accounts
that raised a hand:
- a converted account (open opportunity) or a customer stays put, and so does an account
  RevOps excluded or retired, or one held by a static-territory owner;
- an account owned by a rep who works it (a meaningful touch within the working SLA), is in its
  grace period or is pinned to them stays, and the owner is alerted through the change reason;
- anything else in a target book (pool, resting or in review: a hand raise ends rest early;
  owned but unworked; owner inactive) goes at once to the rep of that book with the most open
  capacity, never back to the owner who left it unworked. Open capacity is the last cycle's
  (capacity - book after the cycle) minus what inbound routing has moved since. Several hand
  raises for one book are dealt like the daily deal, best room first, so the second goes to
  whoever has most room after the first. Ties go to the rep who least recently received an
  inbound account, then to a seat that rotates daily.

Each hand raise is looked at exactly once (the store's `inbound.hand_raises` key), and an account
routed in the current cycle is not routed again: two hand raises never make two owners.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from bookflow.inbound.store import ensure_store
from bookflow.validation import InputError, check_rules
from reverse_etl.duckdb_files import attach_read_only, open_duckdb
from reverse_etl.ledger import utc_now

# Rows may land in the signals table slightly out of received_at order (two webhook processes);
# the router re-reads this far behind its watermark, and the exactly-once key drops repeats.
_WATERMARK_OVERLAP = timedelta(minutes=10)


class NotReady(Exception):
    """Routing needs one finished daily cycle first: its capacity snapshot is where it starts from."""


@dataclass
class RoutingResult:
    """What one routing pass did with the hand raises it found."""

    as_of: object = None
    outcomes: Counter = field(default_factory=Counter)
    changes: list[tuple[str, str, str | None, str | None, str]] = field(default_factory=list)

    @property
    def hand_raises(self) -> int:
        return sum(self.outcomes.values())


def _load_rules(con: duckdb.DuckDBPyConnection, rules_dir: Path) -> None:
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


def _read_crm(con: duckdb.DuckDBPyConnection, crm: Path) -> None:
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


_DECIDE = """
create or replace temp table decided as
with

raises as (
    select
        *,
        row_number() over (partition by account_id order by received_at, occurred_at, signal_type) as nth
    from new_raises
),

overrides as (
    select account_id, action, reason
    from rules_account_overrides
    where cast(effective_date as date) <= $as_of and action in ('pin', 'exclude', 'retire')
    qualify row_number() over (partition by account_id order by cast(effective_date as date) desc, action) = 1
),

routed_this_cycle as (
    select account_id, any_value(to_owner_id) as to_owner_id
    from inbound.ownership_changes
    where as_of = $as_of
    group by account_id
),

facts as (
    select
        raises.*,
        accounts.crm_rows,
        accounts.owner_id,
        case
            when accounts.owner_id = rules_in_force.pool_owner_id then 'pool'
            when owners.user_id is null then 'unknown'
            when not owners.is_active then 'inactive'
            when reps.rep_id is not null then 'rep'
            else 'static'
        end as owner_kind,
        case
            when segments.segment is not null and theaters.theater is not null
                then segments.role || '-' || segments.segment || '-' || theaters.theater
        end as target_book,
        coalesce(opportunities.has_open_opportunity, false) as has_open_opportunity,
        lower(coalesce(accounts.account_type, '')) like 'customer%'
            or coalesce(opportunities.has_won_opportunity, false) as is_customer,
        date_diff('day', cast(touches.last_touched_at as date), $as_of) <= rules_in_force.working_sla_days
            as is_worked,
        grace.account_id is not null as is_in_grace,
        overrides.action as override_action,
        overrides.reason as override_reason,
        routed_this_cycle.to_owner_id as routed_this_cycle_to,
        rules_in_force.working_sla_days,
        rules_in_force.pool_owner_id
    from raises
    cross join rules_in_force
    left join raised_accounts as accounts
        on raises.account_id = accounts.account_id
    left join raised_owners as owners
        on accounts.owner_id = owners.user_id
    left join rules_reps as reps
        on accounts.owner_id = reps.rep_id
    left join rules_segments as segments
        on accounts.employee_count >= cast(segments.min_employees as integer)
        and (segments.max_employees is null or accounts.employee_count <= cast(segments.max_employees as integer))
    left join rules_theaters as theaters
        on accounts.billing_country = upper(theaters.billing_country)
    left join raised_opportunities as opportunities
        on raises.account_id = opportunities.account_id
    left join raised_touches as touches
        on raises.account_id = touches.account_id
        and accounts.owner_id = touches.owner_id
    left join inbound.accounts_in_grace as grace
        on raises.account_id = grace.account_id
        and accounts.owner_id = grace.owner_id
    left join overrides
        on raises.account_id = overrides.account_id
    left join routed_this_cycle
        on raises.account_id = routed_this_cycle.account_id
)

select
    *,
    case
        when nth > 1 then 'duplicate'
        when crm_rows is null then 'quarantined'
        when crm_rows > 1 then 'quarantined'
        when routed_this_cycle_to is not null then 'duplicate'
        when override_action in ('exclude', 'retire') then 'kept'
        when is_customer or has_open_opportunity then 'kept'
        when owner_kind = 'unknown' then 'quarantined'
        when owner_kind = 'rep' and (override_action = 'pin' or is_worked or is_in_grace) then 'alerted'
        when owner_kind = 'static' then 'kept'
        when target_book is null then 'quarantined'
        else 'route'
    end as decision,
    case
        when nth > 1 then 'another hand raise for this account in the same pass'
        when crm_rows is null then 'account not found in the CRM (or deleted)'
        when crm_rows > 1 then 'account id appears more than once in the CRM'
        when routed_this_cycle_to is not null
            then 'already routed this cycle, to ' || coalesce(routed_this_cycle_to, 'the pool')
        when override_action in ('exclude', 'retire')
            then 'override: ' || coalesce(override_reason, override_action)
        when is_customer then 'customer: stays with its owner'
        when has_open_opportunity then 'converted (open opportunity): stays with its owner'
        when owner_kind = 'unknown' then 'owner ' || owner_id || ' is not a CRM user'
        when owner_kind = 'rep' and override_action = 'pin'
            then 'hand raise (' || signal_type || ') on an account pinned to its owner: owner alerted, follow up now'
        when owner_kind = 'rep' and is_worked
            then 'hand raise (' || signal_type || ') on an account its owner works: owner alerted, follow up now'
        when owner_kind = 'rep' and is_in_grace
            then 'hand raise (' || signal_type || ') on an account new to its owner: owner alerted, follow up now'
        when owner_kind = 'static' then 'owned outside dynamic books (static territory)'
        when target_book is null then 'no target book for its segment or country'
    end as decision_reason
from facts
"""

# Open capacity per rep: the last cycle's, minus what inbound routing moved since that cycle.
_ROOM = """
create or replace temp table room as
with

snapshot as (
    select * from inbound.rep_capacity where capacity > 0
),

moves as (
    select to_owner_id as rep_id, 1 as delta, routed_at
    from inbound.ownership_changes
    where as_of > $snapshot_as_of and to_owner_id is not null and to_owner_id is distinct from from_owner_id
    union all
    select from_owner_id, -1, routed_at
    from inbound.ownership_changes
    where as_of > $snapshot_as_of and from_owner_id is not null and to_owner_id is distinct from from_owner_id
),

net as (
    select rep_id, sum(delta) as routed_in from moves group by rep_id
),

last_received as (
    select to_owner_id as rep_id, max(routed_at) as last_inbound_at
    from inbound.ownership_changes
    where to_owner_id is distinct from from_owner_id
    group by to_owner_id
)

select
    snapshot.rep_id,
    snapshot.target_book,
    snapshot.capacity - snapshot.book_size_after - coalesce(net.routed_in, 0) as open_capacity,
    last_received.last_inbound_at
from snapshot
left join net on snapshot.rep_id = net.rep_id
left join last_received on snapshot.rep_id = last_received.rep_id
"""

# The deal, most room first, as a recursive query over each book's hand raises in arrival order:
# each takes the rep with the most room left after the picks before it (ties: least recently
# given an inbound account, then a seat that rotates daily). Never the account's own owner: an
# unworked account taken for a hand raise goes to someone else, as retrieval would send it.
# A handful of rows per pass, so one step per hand raise costs nothing.
_DEAL = """
create or replace temp table dealt as
with recursive

to_route as (
    select
        account_id,
        signal_type,
        occurred_at,
        target_book,
        case when owner_kind <> 'pool' then owner_id end as owner_id,
        row_number() over (partition by target_book order by received_at, account_id) as pick
    from decided
    where decision = 'route'
),

deal(target_book, pick, account_id, signal_type, occurred_at, rep_id, open_capacity_at_pick, dealt_to) as (
    -- One empty start per book; the nulls take the types of the columns the steps fill in.
    select
        target_book,
        0,
        any_value(account_id) filter (where false),
        any_value(signal_type) filter (where false),
        any_value(occurred_at) filter (where false),
        any_value(owner_id) filter (where false),
        cast(null as bigint),
        cast([] as varchar[])
    from to_route
    group by target_book

    union all

    select
        deal.target_book,
        to_route.pick,
        to_route.account_id,
        to_route.signal_type,
        to_route.occurred_at,
        best.rep_id,
        best.open_capacity_at_pick,
        case when best.rep_id is null then deal.dealt_to else list_append(deal.dealt_to, best.rep_id) end
    from deal
    inner join to_route
        on deal.target_book = to_route.target_book
        and to_route.pick = deal.pick + 1
    left join lateral (
        select
            room.rep_id,
            room.open_capacity
                - len(list_filter(deal.dealt_to, lambda dealt_rep: dealt_rep = room.rep_id)) as open_capacity_at_pick
        from room
        where room.target_book = deal.target_book
            and room.rep_id is distinct from to_route.owner_id
        order by open_capacity_at_pick desc, room.last_inbound_at nulls first, hash(room.rep_id, $as_of)
        limit 1
    ) as best on true
)

select account_id, signal_type, occurred_at, rep_id, open_capacity_at_pick
from deal
where pick > 0 and rep_id is not null
"""

_RECORD_CHANGES = """
insert into inbound.ownership_changes
select
    md5(concat_ws('|', 'inbound', cast($as_of as varchar), decided.account_id,
        coalesce(changes.from_owner_id, 'pool'), coalesce(changes.to_owner_id, 'pool'),
        cast(decided.received_at as varchar))) as change_id,
    $as_of as as_of,
    decided.account_id,
    changes.from_owner_id,
    changes.to_owner_id,
    'inbound' as change_type,
    changes.reason,
    coalesce(changes.from_owner_id, decided.pool_owner_id) as from_crm_owner_id,
    coalesce(changes.to_owner_id, decided.pool_owner_id) as to_crm_owner_id,
    decided.signal_type,
    decided.received_at,
    $now as routed_at
from decided
inner join (
    select
        decided.account_id,
        decided.signal_type,
        decided.occurred_at,
        case when decided.owner_kind = 'pool' then null else decided.owner_id end as from_owner_id,
        case when decided.decision = 'alerted' then decided.owner_id else dealt.rep_id end as to_owner_id,
        case
            when decided.decision = 'alerted' then decided.decision_reason
            else 'hand raise (' || decided.signal_type || '): most open capacity in ' || decided.target_book
                || ' (' || cast(dealt.open_capacity_at_pick as varchar) || ' open)'
                || case decided.owner_kind
                    when 'inactive' then ', taken from an owner inactive in the CRM'
                    when 'rep' then ', taken from an owner with no meaningful activity in '
                        || cast(decided.working_sla_days as varchar) || ' days'
                    else ''
                end
        end as reason
    from decided
    left join dealt
        on decided.account_id = dealt.account_id
        and decided.signal_type = dealt.signal_type
        and decided.occurred_at = dealt.occurred_at
    where decided.decision = 'alerted' or (decided.decision = 'route' and dealt.rep_id is not null)
) as changes
    on decided.account_id = changes.account_id
    and decided.signal_type = changes.signal_type
    and decided.occurred_at = changes.occurred_at
"""

_RECORD_HAND_RAISES = """
insert into inbound.hand_raises
select
    decided.account_id,
    decided.signal_type,
    decided.occurred_at,
    decided.received_at,
    $now,
    case
        when decided.decision = 'route' and changes.change_id is not null then 'routed'
        when decided.decision = 'route' then 'quarantined'
        else decided.decision
    end,
    case
        when decided.decision = 'route' and changes.change_id is not null then changes.reason
        when decided.decision = 'route' then 'no rep with capacity in ' || decided.target_book || ': left to the daily cycle'
        else decided.decision_reason
    end,
    changes.change_id
from decided
left join inbound.ownership_changes as changes
    on decided.account_id = changes.account_id
    and changes.as_of = $as_of
    and changes.received_at = decided.received_at
    and changes.signal_type = decided.signal_type
    and decided.nth = 1
    and decided.routed_this_cycle_to is null
"""


def route_hand_raises(store: Path, crm: Path, rules_dir: Path, *, now: datetime | None = None) -> RoutingResult:
    """Route every hand raise not seen yet; return what became of them. Raises NotReady before the first cycle."""
    rules_dir = Path(rules_dir)
    if not Path(crm).exists():
        raise InputError(f"CRM {crm} does not exist: run `bookflow demo` to create it")
    ensure_store(store)
    # This connection holds the store's file lock until it closes: no other process can route in
    # between the reads below and the transaction that records their outcome.
    with open_duckdb(store) as con:
        cycle_as_of, snapshot_as_of = con.execute(
            "select (select max(as_of) from inbound.cycles), (select max(as_of) from inbound.rep_capacity)"
        ).fetchone()
        if cycle_as_of is None or snapshot_as_of is None:
            raise NotReady("no daily cycle has finished yet: run `bookflow run` once, then hand raises are routed")
        result = RoutingResult(as_of=cycle_as_of + timedelta(days=1))
        _load_rules(con, rules_dir)
        _read_crm(con, Path(crm))
        # Stamped after the read: a hand raise that landed while this pass started is routed now.
        now = now or utc_now()
        if not con.execute("select count(*) from new_raises").fetchone()[0]:
            return result
        con.execute("begin transaction")
        try:
            _route(con, result, snapshot_as_of, now)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return result


def _route(con: duckdb.DuckDBPyConnection, result: RoutingResult, snapshot_as_of, now: datetime) -> None:
    as_of = result.as_of
    con.execute(_DECIDE, {"as_of": as_of})
    con.execute(_ROOM, {"snapshot_as_of": snapshot_as_of})
    con.execute(_DEAL, {"as_of": as_of})
    con.execute(_RECORD_CHANGES, {"as_of": as_of, "now": now})
    con.execute(_RECORD_HAND_RAISES, {"as_of": as_of, "now": now})
    con.execute(
        "update inbound.watermark set received_up_to = greatest(received_up_to, (select max(received_at) from new_raises))"
    )
    result.outcomes.update(
        dict(
            con.execute(
                """
                select outcome, count(*) from inbound.hand_raises where processed_at = ? group by outcome
                """,
                [now],
            ).fetchall()
        )
    )
    result.changes = con.execute(
        """
        select change_id, account_id, from_owner_id, to_owner_id, reason
        from inbound.ownership_changes where routed_at = ? order by account_id
        """,
        [now],
    ).fetchall()


def latest_hand_raise(crm: Path, rules_dir: Path) -> datetime | None:
    """When the newest hand raise landed in the CRM: a cheap look for the sensor."""
    if not Path(crm).exists():
        return None
    with open_duckdb(Path(":memory:")) as con:
        _load_rules(con, Path(rules_dir))
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
