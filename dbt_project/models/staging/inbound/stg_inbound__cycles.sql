{#- Daily cycles that have started, as inbound routing saw them. -#}
select
    cast(as_of as date) as as_of,
    cast(started_at as {{ dbt.type_timestamp() }}) as started_at
from {{ source('inbound', 'cycles') }}
