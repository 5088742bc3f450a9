-- Firmographics for every account, keyed by its number i.
create temp table acc_base as
with drawn as (
    select
        i,
        -- Dirty rows live at the end of the range so the low ids stay clean.
        case
            when not getvariable('dirty') then null
            when i > getvariable('n') - 2 then 'duplicate_id'
            when i > getvariable('n') - 4 then 'unknown_owner'
            when i > getvariable('n') - 6 then 'null_owner'
        end as dirty_kind,
        u(i, 'size_band') as size_band,
        u(i, 'size') as size,
        u(i, 'revenue') as revenue_draw,
        u(i, 'industry_kind') as industry_kind,
        u(i, 'type') as type_draw,
        u(i, 'recent') as recent_draw,
        u(i, 'age') as age_draw,
        u(i, 'deleted') as deleted_draw,
        pick('countries', i, 'country') as drawn_country
    from range(1, getvariable('n') + 1) t(i)
),
shaped as (
    select
        i, dirty_kind,
        -- Skewed sizes: 60% small (1-199), 28% mid (200-999), 12% large (1000+), each
        -- band log-shaped so small companies dominate inside it too.
        case
            when i = 7 and getvariable('anchor_employees') is not null then getvariable('anchor_employees')
            when size_band < 0.60 then least(199, floor(exp(size * ln(200))))
            when size_band < 0.88 then 200 + floor(800 * pow(size, 1.6))
            else floor(1000 * exp(pow(size, 1.5) * ln(200)))
        end::integer as employees,
        revenue_draw,
        case
            when industry_kind < 0.90 then pick('industries', i, 'industry')
            when industry_kind < 0.96 then pick('unknown_industries', i, 'industry')
        end as industry,
        case
            when i in (7, 11) and getvariable('anchor_country') is not null then getvariable('anchor_country')
            else drawn_country
        end as country,
        case
            when i in (7, 11) then 'Prospect'
            when type_draw < 0.08 then 'Customer - Direct'
            when type_draw < 0.09 then null
            else 'Prospect'
        end as type,
        case
            when recent_draw < 0.03 then 1 + floor(age_draw * 14)
            else 15 + floor(age_draw * (3 * 365 - 15))
        end::integer as age_days,
        deleted_draw < 0.01 and i > 20 and dirty_kind is null as is_deleted
    from drawn
)
select
    shaped.*,
    case when shaped.revenue_draw >= 0.02 then
        -- Revenue per employee between 40k and 400k keeps revenue tied to size.
        round(shaped.employees * exp(ln(40000) + u(i, 'revenue_per_head') * ln(10)), -3)
    end as annual_revenue,
    case shaped.country
        when 'US' then pick('us_states', i, 'state')
        when 'CA' then pick('ca_provinces', i, 'state')
    end as billing_state,
    pick('name_heads', i, 'name_head') || ' ' || pick('name_bodies', i, 'name_body') || ' '
        || pick('name_tails', i, 'name_tail') as name,
    coalesce(shaped.type = 'Customer - Direct', false) as is_customer,
    s.segment,
    t.theater
from shaped
left join r_segments s
    on shaped.employees >= s.min_employees
    and (s.max_employees is null or shaped.employees <= s.max_employees)
left join r_theaters t
    on shaped.country = t.billing_country
