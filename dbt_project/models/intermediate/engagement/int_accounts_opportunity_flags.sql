{#- An open opportunity converts an account (it stays with its owner); a won one makes a customer.
    The latest opportunity counting as progress (any, or one at a stage settings.csv lists in
    completion_progress_stages) restarts an account's completion clock. -#}
with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

flagged as (

    select
        opportunities.account_id,
        max(case when not opportunities.is_closed then 1 else 0 end) = 1 as has_open_opportunity,
        max(case when opportunities.is_won then 1 else 0 end) = 1 as has_won_opportunity,
        sum(case when not opportunities.is_closed then 1 else 0 end) as open_opportunities,
        max(
            case
                when settings.completion_progress_stages is null
                    or settings.completion_progress_stages like {{ dbt.concat(["'%,'", "opportunities.stage_name", "',%'"]) }}
                    then cast(opportunities.created_at as date)
            end
        ) as last_progress_on

    from opportunities
    cross join settings
    where cast(opportunities.created_at as date) <= {{ as_of() }}
    group by opportunities.account_id

)

select * from flagged
