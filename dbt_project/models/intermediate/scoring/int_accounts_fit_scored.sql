{#- Fit: how well an account matches the ICP, from firmographics only. Points come from the
    fit_industries and fit_bands rules; an attribute that matches no rule scores nothing. -#}
with

accounts as (

    select * from {{ ref('int_accounts_checked') }}
    where quarantine_reason is null

),

industries as (

    select * from {{ ref('fit_industries') }}

),

bands as (

    select * from {{ ref('fit_bands') }}

),

employee_points as (

    select accounts.account_id, max(bands.points) as points
    from accounts
    inner join bands
        on bands.attribute = 'employees'
        and accounts.employee_count >= bands.min_value
        and (bands.max_value is null or accounts.employee_count <= bands.max_value)
    group by accounts.account_id

),

revenue_points as (

    select accounts.account_id, max(bands.points) as points
    from accounts
    inner join bands
        on bands.attribute = 'revenue'
        and accounts.annual_revenue >= bands.min_value
        and (bands.max_value is null or accounts.annual_revenue <= bands.max_value)
    group by accounts.account_id

),

scored as (

    select
        accounts.account_id,
        coalesce(industries.points, 0) as industry_points,
        coalesce(employee_points.points, 0) as employee_points,
        coalesce(revenue_points.points, 0) as revenue_points,
        least(
            100,
            coalesce(industries.points, 0) + coalesce(employee_points.points, 0) + coalesce(revenue_points.points, 0)
        ) as fit_score

    from accounts
    left join industries
        on lower(accounts.industry) = lower(industries.industry)
    left join employee_points
        on accounts.account_id = employee_points.account_id
    left join revenue_points
        on accounts.account_id = revenue_points.account_id

)

select * from scored
