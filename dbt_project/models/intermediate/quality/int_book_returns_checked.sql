{#- A return is only acted on when its account and reason are known. -#}
with

book_returns as (

    select * from {{ ref('stg_crm__book_returns') }}

),

reasons as (

    select * from {{ ref('return_reasons') }}

),

accounts as (

    select account_id from {{ ref('int_accounts_checked') }}

),

checked as (

    select
        book_returns.*,
        reasons.rest_days,
        reasons.goes_to_review,
        case
            when accounts.account_id is null then 'unknown or quarantined account ' || coalesce(book_returns.account_id, 'null')
            when reasons.reason is null then 'unknown return reason ' || coalesce(book_returns.return_reason, 'null')
            when book_returns.returned_at is null then 'null created_date'
        end as quarantine_reason

    from book_returns
    left join reasons
        on book_returns.return_reason = lower(reasons.reason)
    left join accounts
        on book_returns.account_id = accounts.account_id

)

select * from checked
