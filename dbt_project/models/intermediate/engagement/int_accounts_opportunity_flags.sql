{#- An open opportunity converts an account (it stays with its owner); a won one makes a customer. -#}
with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

flagged as (

    select
        account_id,
        max(case when not is_closed then 1 else 0 end) = 1 as has_open_opportunity,
        max(case when is_won then 1 else 0 end) = 1 as has_won_opportunity,
        sum(case when not is_closed then 1 else 0 end) as open_opportunities

    from opportunities
    where cast(created_at as date) <= {{ as_of() }}
    group by account_id

)

select * from flagged
