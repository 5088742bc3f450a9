{#- Changes of the owner fields from AccountHistory (optional: empty when the table is not there):
    the CRM owner (field 'Owner') and the SDR field settings.csv names, matched by the column a
    loader lands it in (Fivetran's rule, as bookflow.crm.sdr_field.column_of: `SDR_Owner__c` lands
    in `sdr_owner_c`). Salesforce writes two rows per change of a lookup field, one with user names
    and one with ids: the id rows are kept (a user 005... or a queue 00G...), in their
    18-character form. An emptied field has a null value, so an id row has an id on at least one
    side and nothing but an id or null on either. -#}
{%- set sdr_column = sdr_owner_column() -%}
{%- set is_user_id = "(length({0}) in (15, 18) and substring({0}, 1, 3) in ('005', '00G'))" -%}
with

source as (

    select * from {{ crm_source('salesforce', 'account_history') }}

),

fields as (

    select
        *,
        case
            when field = 'Owner' then 'owner'
            {%- if sdr_column %}
            when lower(replace(field, '__', '_')) = '{{ sdr_column }}' then 'sdr'
            {%- endif %}
        end as owner_field

    from source

),

renamed as (

    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(owner_field as {{ dbt.type_string() }}) as owner_field,
        cast({{ salesforce_id_18('old_value') }} as {{ dbt.type_string() }}) as previous_owner_id,
        cast({{ salesforce_id_18('new_value') }} as {{ dbt.type_string() }}) as owner_id,
        cast(created_date as {{ dbt.type_timestamp() }}) as changed_at

    from fields
    where owner_field is not null
        and not coalesce(is_deleted, false)
        and (old_value is null or {{ is_user_id.format('old_value') }})
        and (new_value is null or {{ is_user_id.format('new_value') }})
        and (old_value is not null or new_value is not null)

)

select * from renamed
