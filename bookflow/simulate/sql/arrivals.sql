-- What arrives today, the same for both worlds: timing signals, hand raises and new accounts, in
-- the CRM (the next morning's pipeline run scores them) and in the simulation's own tables.
insert into new_signals
with accounts as (
    select distinct id as account_id, id || strftime(getvariable('day'), '%Y%m%d') as draw_key
    from crm.salesforce.account
    where not coalesce(is_deleted, false)
),
kinds as (
    -- Timing signals of any strength, and hand raises, which are strong.
    select * from (values
        (false, getvariable('signal_types')::varchar[], getvariable('signals_per_1000'), 0.05, 'signal', 'type', 'strength'),
        (true, getvariable('hand_raise_types')::varchar[], getvariable('hand_raises_per_1000'), 0.8, 'hand', 'hand_type', 'hand_strength')
    ) as kinds (is_hand_raise, types, per_1000, weakest, draw_salt, type_salt, strength_salt)
)
select
    getvariable('day'),
    accounts.account_id,
    kinds.types[1 + (hash(accounts.draw_key, getvariable('seed'), kinds.type_salt) % len(kinds.types))::bigint],
    round(kinds.weakest + (1 - kinds.weakest) * u(accounts.draw_key, kinds.strength_salt), 3),
    kinds.is_hand_raise
from accounts
cross join kinds
where len(kinds.types) > 0
    and u(accounts.draw_key, kinds.draw_salt) < kinds.per_1000 / 1000.0;

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
