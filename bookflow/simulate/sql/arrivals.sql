-- What arrives today, the same for both worlds: timing signals, hand raises and new accounts, in
-- the CRM (the next morning's pipeline run scores them) and in the simulation's own tables.
insert into new_signals
with accounts as (
    select distinct id as account_id, id || strftime(getvariable('day'), '%Y%m%d') as draw_key
    from crm.salesforce.account
    where not coalesce(is_deleted, false)
)
select
    getvariable('day'),
    account_id,
    getvariable('signal_types')[1 + (hash(draw_key, getvariable('seed'), 'type') % len(getvariable('signal_types')))::bigint],
    round(0.05 + 0.95 * u(draw_key, 'strength'), 3),
    false
from accounts
where len(getvariable('signal_types')) > 0
    and u(draw_key, 'signal') < getvariable('signals_per_1000') / 1000.0
union all
select
    getvariable('day'),
    account_id,
    getvariable('hand_raise_types')[1 + (hash(draw_key, getvariable('seed'), 'hand_type') % len(getvariable('hand_raise_types')))::bigint],
    round(0.8 + 0.2 * u(draw_key, 'hand_strength'), 3),
    true
from accounts
where len(getvariable('hand_raise_types')) > 0
    and u(draw_key, 'hand') < getvariable('hand_raises_per_1000') / 1000.0;

insert into crm.signals.account_signal (account_id, signal_type, occurred_at, strength)
select account_id, signal_type, day + interval 12 hour, strength
from new_signals
where day = getvariable('day');

insert into new_accounts
select getvariable('day'), account_id
from future_accounts
where arrival > getvariable('arrived_before') and arrival <= getvariable('arrived_by');

insert into crm.salesforce.account (
    id, name, owner_id, type, industry, number_of_employees, annual_revenue, billing_country, billing_state,
    created_date, is_deleted
)
select
    future_accounts.account_id, future_accounts.name, getvariable('pool_owner_id'), 'Prospect',
    future_accounts.industry, future_accounts.number_of_employees, future_accounts.annual_revenue,
    future_accounts.billing_country, future_accounts.billing_state, getvariable('day') + interval 9 hour, false
from future_accounts
inner join new_accounts using (account_id)
where new_accounts.day = getvariable('day');
