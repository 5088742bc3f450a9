{#- Owner changes from AccountHistory (optional: empty when the table is not there). Salesforce
    writes two rows per change, one with user names and one with ids: the id rows are kept (a
    user 005... or a queue 00G...), in their 18-character form. -#}
with

source as (

    select * from {{ crm_source('salesforce', 'account_history') }}

),

renamed as (

    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast({{ salesforce_id_18('old_value') }} as {{ dbt.type_string() }}) as previous_owner_id,
        cast({{ salesforce_id_18('new_value') }} as {{ dbt.type_string() }}) as owner_id,
        cast(created_date as {{ dbt.type_timestamp() }}) as changed_at

    from source
    where field = 'Owner'
        and not coalesce(is_deleted, false)
        and length(new_value) in (15, 18)
        and substring(new_value, 1, 3) in ('005', '00G')

)

select * from renamed
