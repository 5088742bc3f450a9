-- What the pipeline measured this morning, for both worlds: scores, each rep's effort, new prospects.

delete from scores;
insert into scores
select
    account_id,
    tier,
    priority_score,
    -- The rules' own readiness thresholds (the pipeline's `ready` also needs the account in the pool).
    fit_score >= getvariable('fit_threshold') or timing_score >= getvariable('timing_threshold') as is_ready
from warehouse.marts.account_scores;

-- Effort follows the capacity the pipeline measured: ramping reps get their share, reps on time
-- off or gone none.
insert into effort
select
    getvariable('day'),
    rep_id,
    capacity,
    case
        when getvariable('weekends_off') and isodow(getvariable('day')) >= 6 then 0
        else cast(round(capacity * getvariable('touches_per_day_per_slot')) as integer)
    end
from warehouse.marts.rep_capacity
-- The simulation plays the CRM owner's books; an SDR field's books are not in it.
where crm_field = 'owner_id';

-- On the first day every NBTAM account is a prospect; later, the accounts that arrived.
insert into prospects
with crm_accounts as (
    select id as account_id, any_value(billing_country) as billing_country, any_value(billing_state) as billing_state
    from crm.salesforce.account
    group by id
)
select
    status.account_id,
    status.target_book,
    coalesce(crm_accounts.billing_country, '') || '-' || coalesce(crm_accounts.billing_state, ''),
    getvariable('day')
from warehouse.marts.account_status as status
inner join crm_accounts using (account_id)
where status.crm_field = 'owner_id'
    and status.target_book is not null
    and status.status not in ('customer', 'excluded', 'converted')
    and (getvariable('day') = getvariable('start') or status.account_id in (select account_id from new_accounts))
    and status.account_id not in (select account_id from prospects);

insert into pipeline_changes
select getvariable('day'), account_id, change_type, from_owner_id, to_owner_id, reason
from warehouse.marts.ownership_changes
where crm_field = 'owner_id';

-- The prospecting book of the world being lived (getvariable('world'), temp table `book`): the
-- prospects each rep holds today that have not converted in that world. A view: it reads the
-- book and the opportunities as they are when asked.
create or replace temp table book (account_id varchar, rep_id varchar);
create or replace temp view held as
select book.account_id, book.rep_id, scores.tier, scores.priority_score
from book
inner join prospects using (account_id)
inner join scores using (account_id)
where book.account_id not in (select account_id from opportunities where world = getvariable('world'));
