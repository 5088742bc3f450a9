{#- HubSpot has no return object in the input contract yet: no returns, in the shape of
    stg_salesforce__book_returns. A rep hands a company back by unassigning it (it joins the pool). -#}
select
    cast(null as {{ dbt.type_string() }}) as book_return_id,
    cast(null as {{ dbt.type_string() }}) as account_id,
    cast(null as {{ dbt.type_string() }}) as returned_by_id,
    cast(null as {{ dbt.type_string() }}) as return_reason,
    cast(null as {{ dbt.type_timestamp() }}) as returned_at
from (select 1 as one) as no_rows
where 1 = 0
