{#- Timing signals: the loader's signals.account_signal, and hand raises inbound routing matched
    to an account from the webhook or lead-shaped loader rows (inbound.hand_raise_signals, landed
    from its store at the start of each cycle), so a demo request scores wherever it came from.
    The loader's rows are typed by the input contract (macros/typed_input.sql): a row whose values
    do not convert is left out here and listed by int_raw_rows_rejected. -#}
{%- set raw = raw_columns('signals', 'account_signal') -%}
with

source as (

    select
        account_id,
        signal_type,
        {{ typed(raw, 'occurred_at') }} as occurred_at,
        {{ typed(raw, 'strength') }} as strength

    from {{ source('signals', 'account_signal') }}
    where {{ untyped_reason(raw) }} is null

),

hand_raises as (

    select account_id, signal_type, occurred_at, strength from {{ source('inbound', 'hand_raise_signals') }}

),

renamed as (

    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        lower(cast(signal_type as {{ dbt.type_string() }})) as signal_type,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(strength as {{ dbt.type_float() }}) as strength

    from (
        select * from source
        union all
        select * from hand_raises
    ) as signals

)

select * from renamed
