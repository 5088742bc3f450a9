{#- Which owner field a row of hubspot.company_property_history is the history of: 'owner'
    (hubspot_owner_id), 'sdr' (the SDR property settings.csv names, matched by the column a
    loader lands it in: Fivetran's `property_<name>`, as bookflow.crm.sdr_field.column_of), or
    null for any other property, which bookflow does not read. -#}
{% macro hubspot_owner_field(name) -%}
    {%- set sdr_column = sdr_owner_column() -%}
    case
        when {{ name }} = 'hubspot_owner_id' then 'owner'
        {%- if sdr_column %}
        when {{ dbt.concat(["'property_'", name]) }} = '{{ sdr_column }}' then 'sdr'
        {%- endif %}
    end
{%- endmacro %}
