{#- Fit: how well an account matches the ICP, from firmographics only. Points come from the
    fit_industries and fit_bands rules; an attribute that matches no rule scores nothing.

    A view, row by row like int_accounts_segmented: each attribute meets its own bands in a left
    join (the bands of one attribute never overlap, so an account matches at most one), and the
    warehouse computes it inside the pass that builds int_accounts_status_derived. -#}
{{ config(materialized='view') }}

with

accounts as (

    select * from {{ ref('int_accounts_segmented') }}

),

industries as (

    select * from {{ ref('fit_industries') }}

),

bands as (

    select * from {{ ref('fit_bands') }}

),

scored as (

    select
        accounts.*,
        coalesce(industries.points, 0) as industry_points,
        coalesce(employee_bands.points, 0) as employee_points,
        coalesce(revenue_bands.points, 0) as revenue_points,
        least(
            100,
            coalesce(industries.points, 0)
                + coalesce(employee_bands.points, 0)
                + coalesce(revenue_bands.points, 0)
        ) as fit_score

    from accounts
    left join industries
        on lower(accounts.industry) = lower(industries.industry)
    left join bands as employee_bands
        on employee_bands.attribute = 'employees'
        and accounts.employee_count >= employee_bands.min_value
        and (employee_bands.max_value is null or accounts.employee_count <= employee_bands.max_value)
    left join bands as revenue_bands
        on revenue_bands.attribute = 'revenue'
        and accounts.annual_revenue >= revenue_bands.min_value
        and (revenue_bands.max_value is null or accounts.annual_revenue <= revenue_bands.max_value)

)

select * from scored
