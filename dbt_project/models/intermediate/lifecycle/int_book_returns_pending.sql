{#- A return is pending when the rep who filed it still holds the account and filed it after the
    account came to them: this run hands the account back to the pool. Which field it frees is
    the returning rep's: the CRM owner, or the SDR field for a role that writes it (roles.csv). -#}
with

book_returns as (

    select * from {{ ref('int_book_returns_checked') }}
    where quarantine_reason is null

),

accounts as (

    select account_id, owner_id, sdr_owner_id, created_at from {{ ref('int_accounts_checked') }}

),

reps as (

    select * from {{ ref('reps') }}

),

roles as (

    select * from {{ ref('roles') }}

),

assigned as (

    select * from {{ ref('int_accounts_assigned') }}

),

fielded as (

    select
        book_returns.*,
        coalesce(roles.owner_field, 'owner') as owner_field

    from book_returns
    left join reps
        on book_returns.returned_by_id = reps.rep_id
    left join roles
        on reps.role = roles.role

),

matching as (

    select
        fielded.account_id,
        fielded.owner_field,
        fielded.book_return_id,
        fielded.returned_by_id,
        fielded.return_reason,
        fielded.returned_at,
        fielded.rest_days,
        fielded.goes_to_review,
        row_number() over (
            partition by fielded.account_id, fielded.owner_field
            order by fielded.returned_at desc, fielded.book_return_id desc
        ) as recency

    from fielded
    inner join accounts
        on fielded.account_id = accounts.account_id
        and fielded.returned_by_id = case fielded.owner_field when 'owner' then accounts.owner_id else accounts.sdr_owner_id end
    left join assigned
        on accounts.account_id = assigned.account_id
        and fielded.owner_field = assigned.owner_field
    -- after the account came to the rep: bookflow's change, or else the account's creation
    where cast(fielded.returned_at as date)
            >= coalesce(assigned.assigned_on, cast(accounts.created_at as date))
        and cast(fielded.returned_at as date) <= {{ as_of() }}

)

select
    account_id,
    owner_field,
    book_return_id,
    returned_by_id,
    return_reason,
    returned_at,
    rest_days,
    goes_to_review
from matching
where recency = 1
