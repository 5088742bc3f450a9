{#- A return is pending when the rep who filed it still owns the account and filed it after the
    account came to them: this run hands the account back to the pool. -#}
with

book_returns as (

    select * from {{ ref('int_book_returns_checked') }}
    where quarantine_reason is null

),

accounts as (

    select account_id, owner_id, created_at from {{ ref('int_accounts_checked') }}

),

assigned as (

    select * from {{ ref('int_accounts_assigned') }}

),

matching as (

    select
        book_returns.account_id,
        book_returns.book_return_id,
        book_returns.returned_by_id,
        book_returns.return_reason,
        book_returns.returned_at,
        book_returns.rest_days,
        book_returns.goes_to_review,
        row_number() over (
            partition by book_returns.account_id
            order by book_returns.returned_at desc, book_returns.book_return_id desc
        ) as recency

    from book_returns
    inner join accounts
        on book_returns.account_id = accounts.account_id
        and book_returns.returned_by_id = accounts.owner_id
    left join assigned
        on accounts.account_id = assigned.account_id
    -- after the account came to the rep: bookflow's change, or else the account's creation
    where cast(book_returns.returned_at as date)
            >= coalesce(assigned.assigned_on, cast(accounts.created_at as date))
        and cast(book_returns.returned_at as date) <= {{ as_of() }}

)

select
    account_id,
    book_return_id,
    returned_by_id,
    return_reason,
    returned_at,
    rest_days,
    goes_to_review
from matching
where recency = 1
