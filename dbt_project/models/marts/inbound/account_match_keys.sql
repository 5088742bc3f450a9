{#- What a hand raise is matched on, per clean account of the day: its keys (kept from run to
    run by int_accounts_match_keyed) with today's tie-breakers. Routing looks candidates up by
    these keys and scores only them. -#}
with

accounts as (

    select account_id, account_name, billing_country, employee_count
    from {{ ref('int_accounts_checked') }}

),

keys as (

    select * from {{ ref('int_accounts_match_keyed') }}

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        keys.website_domain,
        accounts.billing_country,
        accounts.employee_count,
        keys.name_block_1,
        keys.name_block_2,
        keys.name_block_3

    from accounts
    inner join keys
        on accounts.account_id = keys.account_id

)

select * from final
