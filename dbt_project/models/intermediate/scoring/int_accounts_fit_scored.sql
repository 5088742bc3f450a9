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

account_attributes as (

    select account_id, 'employees' as attribute, cast(employee_count as {{ dbt.type_float() }}) as attribute_value
    from accounts
    union all
    select account_id, 'revenue' as attribute, annual_revenue as attribute_value
    from accounts

),

band_points as (

    select
        account_attributes.account_id,
        max(case when account_attributes.attribute = 'employees' then bands.points end) as employee_points,
        max(case when account_attributes.attribute = 'revenue' then bands.points end) as revenue_points

    from account_attributes
    inner join bands
        on account_attributes.attribute = bands.attribute
        and account_attributes.attribute_value >= bands.min_value
        and (bands.max_value is null or account_attributes.attribute_value <= bands.max_value)
    group by account_attributes.account_id

),

scored as (

    select
        accounts.account_id,
        coalesce(industries.points, 0) as industry_points,
        coalesce(band_points.employee_points, 0) as employee_points,
        coalesce(band_points.revenue_points, 0) as revenue_points,
        least(
            100,
            coalesce(industries.points, 0)
                + coalesce(band_points.employee_points, 0)
                + coalesce(band_points.revenue_points, 0)
        ) as fit_score

    from accounts
    left join industries
        on lower(accounts.industry) = lower(industries.industry)
    left join band_points
        on accounts.account_id = band_points.account_id

)

select * from scored
