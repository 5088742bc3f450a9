{#- A change's identity is what it does on which day: rerunning the same day on the same data
    yields the same ids, which is what lets the sync ledger apply each change at most once. A
    change of another field than the CRM owner also names its field (`field`, an expression that
    is '' for the owner), so an account's owner and SDR changes never share an id while the ids
    of owner changes stay what they always were. -#}
{% macro change_id(as_of_column, account_id, change_type, from_owner_id, to_owner_id, field="''") -%}
    {{ dbt.hash(dbt.concat([
        "cast(" ~ as_of_column ~ " as " ~ dbt.type_string() ~ ")", "'|'",
        account_id, "'|'",
        change_type, "'|'",
        "coalesce(" ~ from_owner_id ~ ", 'pool')", "'|'",
        "coalesce(" ~ to_owner_id ~ ", 'pool')",
        field
    ])) }}
{%- endmacro %}
