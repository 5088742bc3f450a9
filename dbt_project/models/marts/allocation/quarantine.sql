{#- Input rows held back from this run, with the reason, so RevOps can fix them in the CRM. -#}
with

accounts as (

    select * from {{ ref('int_accounts_held_back') }}

),

book_returns as (

    select * from {{ ref('int_book_returns_checked') }}
    where quarantine_reason is not null

),

signals as (

    select * from {{ ref('int_account_signals_checked') }}
    where quarantine_reason is not null

),

{#- Rows of any raw table with a value that does not convert to its type. -#}
rejected_rows as (

    select * from {{ ref('int_raw_rows_rejected') }}

),

unioned as (

    {#- The account table of the CRM in use (bookflow.contract.ACCOUNT_TABLES). #}
    select
        '{{ "hubspot.company" if crm() == "hubspot" else "salesforce.account" }}' as source_table,
        account_id as record_id,
        quarantine_reason as reason,
        rows_held
    from accounts
    union all
    select 'salesforce.book_return_c', book_return_id, quarantine_reason, 1
    from book_returns
    union all
    select 'signals.account_signal', account_id, quarantine_reason, 1
    from signals
    union all
    select source_table, record_id, reason, rows_held
    from rejected_rows

)

select
    {{ as_of() }} as as_of,
    source_table,
    record_id,
    reason,
    cast(sum(rows_held) as {{ dbt.type_bigint() }}) as rows_held
from unioned
group by source_table, record_id, reason
