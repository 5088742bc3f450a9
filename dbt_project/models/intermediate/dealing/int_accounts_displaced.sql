{#- With displace_for_higher_tier on: when a book is full and ready accounts still wait in its
    pool, a waiting account of a better tier takes the place of the worst account held in the
    book (worst tier, then lowest priority; pinned accounts and those leaving anyway stay out of
    it). The n-th waiting account meets the n-th worst held one, and pairing stops at the first
    pair where the waiting account is not better, so no swap ever lowers a book's quality. The
    displaced account goes back to the pool (it rests default_rest_days) and its rep's freed slot
    is dealt this run, to the waiting account that displaced it: so a book never displaces more
    than its max_new_per_book_per_run leaves room to deal.

    Off (the default), nothing is read: the ready pool is not ranked a second time. -#}
{%- set enabled = (setting_at_compile('displace_for_higher_tier', 'false') | lower) == 'true' %}
with

capacity as (

    select * from {{ ref('int_reps_capacity_measured') }}

),

pool as (

    select * from {{ ref('int_pool_ranked') }}

),

account_status as (

    select * from {{ ref('int_accounts_status_derived') }}

),

releases as (

    select * from {{ ref('int_book_releases_planned') }}

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

book_slots as (

    select target_book, sum(open_slots_to_deal) as slots, sum(dealt_today) as dealt_today
    from capacity
    group by target_book

),

waiting as (

    select
        pool.account_id,
        pool.target_book,
        pool.tier,
        row_number() over (partition by pool.target_book order by pool.pool_rank) as wait_rank

    from pool
    inner join book_slots
        on pool.target_book = book_slots.target_book
    cross join settings
    where pool.deal_kind = 'distribute'
        and pool.pool_rank > book_slots.slots
        and (
            settings.max_new_per_book_per_run is null
            or pool.pool_rank <= settings.max_new_per_book_per_run - book_slots.dealt_today
        )

),

full_reps as (

    select rep_id, owner_field, target_book
    from capacity
    where capacity > 0
        and open_slots = 0

),

held as (

    select
        account_status.account_id,
        account_status.owner_field,
        account_status.crm_field,
        account_status.role,
        account_status.owner_id,
        full_reps.target_book,
        account_status.tier,
        row_number() over (
            partition by full_reps.target_book
            order by account_status.tier desc, account_status.priority_score asc, account_status.account_id desc
        ) as worst_rank

    from account_status
    inner join full_reps
        on account_status.owner_id = full_reps.rep_id
        and account_status.owner_field = full_reps.owner_field
    left join releases
        on account_status.account_id = releases.account_id
        and account_status.owner_field = releases.owner_field
    where account_status.owner_kind = 'rep'
        and account_status.status in ('working', 'new')
        and not account_status.is_pinned
        and releases.account_id is null

),

paired as (

    select
        held.*,
        waiting.account_id as displaced_by_account_id,
        waiting.tier as displaced_by_tier,
        min(case when waiting.tier < held.tier then 1 else 0 end) over (
            partition by held.target_book
            order by held.worst_rank
            rows between unbounded preceding and current row
        ) as is_better_so_far

    from held
    inner join waiting
        on held.target_book = waiting.target_book
        and held.worst_rank = waiting.wait_rank

)

select
    account_id,
    owner_field,
    crm_field,
    role,
    owner_id,
    target_book,
    tier,
    displaced_by_account_id,
    'displaced by a tier ' || cast(displaced_by_tier as {{ dbt.type_string() }})
        || ' account waiting in the pool of ' || target_book || ' (this one is tier '
        || cast(tier as {{ dbt.type_string() }}) || ')' as reason
from paired
where is_better_so_far = 1
{%- if not enabled %}
    and 1 = 0
{%- endif %}
