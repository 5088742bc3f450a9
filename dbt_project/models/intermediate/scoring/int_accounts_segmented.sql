{#- The target book an account belongs to: the role that works its segment, the segment (by
    employees) and the theater (by billing country). No theater or segment means no book.

    A view: segmenting is row by row against a few rule rows, so the warehouse does it inside
    the one pass that builds int_accounts_status_derived instead of writing millions of rows to
    read back (the rule ranges must not overlap: tests/rules/assert_rule_ranges_do_not_overlap.sql). -#}
{{ config(materialized='view') }}

with

accounts as (

    select * from {{ ref('int_accounts_checked') }}

),

segments as (

    select * from {{ ref('segments') }}

),

theaters as (

    select * from {{ ref('theaters') }}

),

segmented as (

    select
        accounts.account_id,
        accounts.owner_id,
        accounts.account_type,
        accounts.industry,
        accounts.employee_count,
        accounts.annual_revenue,
        accounts.billing_country,
        accounts.created_at,
        segments.segment,
        segments.role,
        theaters.theater,
        case
            when segments.segment is not null and theaters.theater is not null
                then {{ dbt.concat(["segments.role", "'-'", "segments.segment", "'-'", "theaters.theater"]) }}
        end as target_book

    from accounts
    left join segments
        on accounts.employee_count >= segments.min_employees
        and (segments.max_employees is null or accounts.employee_count <= segments.max_employees)
    left join theaters
        on accounts.billing_country = upper(theaters.billing_country)

)

select * from segmented
