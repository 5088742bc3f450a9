{#- Why reps send accounts back, per target book: a rising `bad data` share points at the data
    vendor, a rising `no response` share at the ready thresholds. Every reason of
    return_reasons.csv appears for every target book, with zeros, so charts keep their bars. -#}
with

book_returns as (

    select * from {{ ref('int_book_returns_checked') }}
    where quarantine_reason is null

),

reasons as (

    select * from {{ ref('return_reasons') }}

),

capacity as (

    select * from {{ ref('int_reps_capacity_measured') }}

),

target_books as (

    select distinct target_book from capacity

),

-- Returns filed by roster reps: other CRM users do not hold dynamic books.
filed as (

    select
        capacity.target_book,
        book_returns.return_reason,
        cast(sum(case when {{ within_days('book_returns.returned_at', 30) }} then 1 else 0 end) as {{ dbt.type_int() }})
            as returns_30d,
        cast(sum(case when {{ within_days('book_returns.returned_at', 90) }} then 1 else 0 end) as {{ dbt.type_int() }})
            as returns_90d

    from book_returns
    inner join capacity
        on book_returns.returned_by_id = capacity.rep_id
    group by capacity.target_book, book_returns.return_reason

),

spine as (

    select
        target_books.target_book,
        lower(reasons.reason) as return_reason,
        reasons.goes_to_review,
        reasons.rest_days

    from target_books
    cross join reasons

),

counted as (

    select
        spine.target_book,
        spine.return_reason,
        spine.goes_to_review,
        spine.rest_days,
        coalesce(filed.returns_30d, 0) as returns_30d,
        coalesce(filed.returns_90d, 0) as returns_90d

    from spine
    left join filed
        on spine.target_book = filed.target_book
        and spine.return_reason = filed.return_reason

),

final as (

    select
        {{ as_of() }} as as_of,
        target_book,
        return_reason,
        goes_to_review,
        rest_days,
        returns_30d,
        returns_90d,
        {{ share('returns_90d', 'sum(returns_90d) over (partition by target_book)') }} as share_of_returns_90d

    from counted

)

select * from final
