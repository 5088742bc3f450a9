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

unioned as (

    select 'salesforce.account' as source_table, account_id as record_id, quarantine_reason as reason
    from accounts
    union all
    select 'salesforce.book_return_c', book_return_id, quarantine_reason
    from book_returns
    union all
    select 'signals.account_signal', account_id, quarantine_reason
    from signals

)

select
    {{ as_of() }} as as_of,
    source_table,
    record_id,
    reason,
    count(*) as rows_held
from unioned
group by source_table, record_id, reason
