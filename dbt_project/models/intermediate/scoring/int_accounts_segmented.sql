{#- The target book an account belongs to: the role that works its segment, the segment (by
    employees) and the theater (by billing country). No theater or segment means no book. -#}
with

accounts as (

    select * from {{ ref('int_accounts_checked') }}
    where quarantine_reason is null

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
