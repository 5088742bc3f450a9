-- The simulation's own tables; `world` is 'static' or 'dynamic' wherever both worlds write.

-- Uniform in [0, 1), fixed per key and purpose: the same account draws the same numbers in both
-- worlds, so the worlds differ by who owns what, not by luck.
create macro u(k, salt) as (hash(k, getvariable('seed'), salt) % 1000000) / 1000000.0;

create table rates (tier integer, conversion_rate double);
-- Return reasons as bands of [0, 1) sized by their weights, with the rules' rest for each.
create table reasons (reason varchar, band_from double, band_to double, rest_days integer, goes_to_review boolean);

-- The roster as the pipeline measured it on the first day (hires included), and who replaces whom.
create table reps (rep_id varchar, rep_name varchar, target_book varchar, is_carved boolean);
create table successions (leaver_id varchar, leaves_on date, hire_id varchar, starts_on date);

-- Accounts that may be prospected (NBTAM): the first day's, then the new ones as they arrive.
create table prospects (account_id varchar, target_book varchar, geography varchar, since date);
-- Static territories: every prospect for good to one rep, by geography unit.
create table territory_units (target_book varchar, geography varchar, rep_id varchar);
create table territories (account_id varchar, rep_id varchar);

-- Each day's scores and effort, from the pipeline's marts.
create table scores (account_id varchar, tier integer, priority_score double, is_ready boolean);
create table effort (day date, rep_id varchar, capacity integer, touches integer);

-- What reps did. A sequence is one rep working one account to completion; its outcome is
-- convert, return (with a reason) or idle, or `abandoned` when the account left the rep first.
create table sequences (
    world varchar, account_id varchar, rep_id varchar, started_on date, touches integer,
    last_touch_on date, completed_on date, tier integer, outcome varchar, reason varchar, cool_until date
);
create table touches (world varchar, day date, account_id varchar, rep_id varchar);
create table opportunities (world varchar, day date, account_id varchar, rep_id varchar, tier integer);
create table returns (world varchar, day date, account_id varchar, rep_id varchar, reason varchar);

-- What arrived, for both worlds alike.
create table new_signals (day date, account_id varchar, signal_type varchar, strength double, is_hand_raise boolean);
create table new_accounts (day date, account_id varchar);

-- The measures, per rep and per world, at the end of each day.
create table pipeline_days (
    day date, extract_s double, dbt_s double, sync_s double, behaviour_s double,
    pool_depth integer, open_slots integer
);
-- Each morning's changes of the CRM owner, with the pipeline's reason (the sync ledger keeps no reason).
create table pipeline_changes (
    day date, account_id varchar, change_type varchar, from_owner_id varchar, to_owner_id varchar, reason varchar
);
create table rep_days (
    world varchar, day date, rep_id varchar, capacity integer, effort integer, touches integer,
    completions integer, opportunities integer, returns integer, book_accounts integer,
    workable_accounts integer, book_touched_30d integer, top_tier_in_book integer,
    top_tier_touched_30d integer, idle_slots integer
);
create table world_days (
    world varchar, day date, top_tier_accounts integer, top_tier_touched_30d integer,
    pool_depth integer, accounts_touched integer
);

-- Who owned what in the CRM before the first day (static territories `crm` keep it).
create table initial_owners as
select id as account_id, any_value(owner_id) as owner_id
from crm.salesforce.account
where not coalesce(is_deleted, false)
group by id;

-- Accounts waiting to arrive, in arrival order (the demo generator's firmographics).
create table future_accounts (
    arrival integer, account_id varchar, name varchar, industry varchar, number_of_employees integer,
    annual_revenue double, billing_country varchar, billing_state varchar
);
