{#- The target books an account belongs to: for the role that writes the CRM owner field and, in
    a segment an SDR/BDR role also works, for the role that writes the SDR field; each book is
    role-segment-theater. No theater or segment means no book.

    Several roles may work one segment (segments.csv has a row per role, same band): they are
    turned into one row per segment first, so each account still meets one row and is not
    multiplied. roles.csv says which field a role writes; a role it does not list writes the owner.

    A view: segmenting is row by row against a few rule rows, so the warehouse does it inside
    the one pass that builds int_accounts_status_derived instead of writing millions of rows to
    read back (bookflow.rules checks that bands do not overlap). -#}
{{ config(materialized='view') }}

with

accounts as (

    select * from {{ ref('int_accounts_checked') }}

),

segments as (

    select * from {{ ref('segments') }}

),

roles as (

    select * from {{ ref('roles') }}

),

theaters as (

    select * from {{ ref('theaters') }}

),

segment_roles as (

    select
        segments.segment,
        segments.min_employees,
        segments.max_employees,
        max(case when coalesce(roles.owner_field, 'owner') = 'owner' then segments.role end) as owner_role,
        max(case when roles.owner_field = 'sdr' then segments.role end) as sdr_role,
        max(case when coalesce(roles.owner_field, 'owner') = 'owner' then roles.receives end) as owner_receives,
        max(case when roles.owner_field = 'sdr' then roles.receives end) as sdr_receives

    from segments
    left join roles
        on segments.role = roles.role
    group by segments.segment, segments.min_employees, segments.max_employees

),

segmented as (

    select
        accounts.account_id,
        accounts.owner_id,
        accounts.sdr_owner_id,
        accounts.account_type,
        accounts.industry,
        accounts.employee_count,
        accounts.annual_revenue,
        accounts.billing_country,
        accounts.created_at,
        segment_roles.segment,
        segment_roles.owner_role as role,
        segment_roles.sdr_role,
        segment_roles.owner_receives,
        segment_roles.sdr_receives,
        theaters.theater,
        case
            when segment_roles.owner_role is not null and theaters.theater is not null
                then {{ dbt.concat(["segment_roles.owner_role", "'-'", "segment_roles.segment", "'-'", "theaters.theater"]) }}
        end as target_book,
        case
            when segment_roles.sdr_role is not null and theaters.theater is not null
                then {{ dbt.concat(["segment_roles.sdr_role", "'-'", "segment_roles.segment", "'-'", "theaters.theater"]) }}
        end as sdr_target_book

    from accounts
    left join segment_roles
        on accounts.employee_count >= segment_roles.min_employees
        and (segment_roles.max_employees is null or accounts.employee_count <= segment_roles.max_employees)
    left join theaters
        on accounts.billing_country = upper(theaters.billing_country)

)

select * from segmented
