{#- The keys a hand raise is matched on, per account, kept from run to run: the registrable
    domain of its website (public-suffix aware: shop.acme.co.uk -> acme.co.uk; none for free-mail
    domains and bare IP addresses) and up to three name blocks (the first four letters of each of
    the first three words of the folded name).

    Folding names and cutting hosts costs regular expressions per account, and an account's keys
    change only when its name or website does: a daily run keys only the accounts that are new, or
    whose name or website changed, or that were keyed with other reference lists or another
    version of the folding (`keyed_with`). Rows of accounts gone from the CRM stay; the mart
    keeps only the accounts of the day.

    Suffixes are found by equality, not by pattern: the last one to four labels of each host are
    cut out with position/substring on the reversed host and joined to the list, so the join
    stays a hash join at any size. The longest rule wins; *.x (any label under x) and !y.x (an
    exception to it) are honoured up to three labels, which covers the list's ICANN section but
    four rules. The six joins read the seed itself, not a CTE of it: Postgres knows a table's
    suffixes are unique (its statistics), a CTE read six times it materializes without any, and
    its estimate of six joins to it grew to 10^12 rows, which made it compile the query to
    machine code for 6 s (JIT) on 1,500 accounts. -#}
{#- Plain Spark (session mode, Parquet tables) can neither delete nor merge: rebuilt whole there. -#}
{{ config(
    materialized='table' if target.type == 'spark' else 'incremental',
    unique_key='account_id',
    incremental_strategy='merge' if target.type == 'databricks' else 'delete+insert',
) }}

{#- Bump when the folding or the host cutting below changes: every account is keyed again. -#}
{%- set keys_version = "'2'" %}

with

lists as (

    {#- One fingerprint of everything the keys depend on besides the account itself. -#}
    select {{ dbt.hash(dbt.concat([keys_version, "'|'", ordered_listagg('entry', 'entry', delimiter="','")])) }} as keyed_with
    from (
        select {{ dbt.concat(["'s:'", 'suffix']) }} as entry from {{ ref('public_suffixes') }}
        union all
        select {{ dbt.concat(["'f:'", 'domain']) }} as entry from {{ ref('free_mail_domains') }}
    ) as entries

),

checked as (

    select account_id, account_name, website
    from {{ ref('int_accounts_checked') }}

),

{% if is_incremental() %}

accounts as (

    select checked.account_id, checked.account_name, checked.website
    from checked
    cross join lists
    left join {{ this }} as previous
        on checked.account_id = previous.account_id
        and coalesce(checked.account_name, '') = coalesce(previous.account_name, '')
        and coalesce(checked.website, '') = coalesce(previous.website, '')
        and lists.keyed_with = previous.keyed_with
    where previous.account_id is null

),

{% else %}

accounts as (

    select * from checked

),

{% endif %}

free_mail as (

    select domain from {{ ref('free_mail_domains') }}

),

hosts as (

    select
        account_id,
        {{ web_host('website') }} as host

    from accounts
    where website is not null

),

reversed as (

    select
        account_id,
        host,
        reverse(host) as reversed_host,
        {{ dbt.position("'.'", 'reverse(host)') }} as dot_1

    from hosts
    -- A name, not an address: a bare IP has no registrable domain.
    where {{ regexp_replace_all('host', "'[0-9.]'", "''") }} <> ''

),

dots_2 as (

    select
        *,
        case when dot_1 > 0 and {{ dbt.position("'.'", 'substring(reversed_host, dot_1 + 1)') }} > 0
            then dot_1 + {{ dbt.position("'.'", 'substring(reversed_host, dot_1 + 1)') }} else 0 end as dot_2

    from reversed

),

dots_3 as (

    select
        *,
        case when dot_2 > 0 and {{ dbt.position("'.'", 'substring(reversed_host, dot_2 + 1)') }} > 0
            then dot_2 + {{ dbt.position("'.'", 'substring(reversed_host, dot_2 + 1)') }} else 0 end as dot_3

    from dots_2

),

labelled as (

    select
        account_id,
        case when dot_1 > 0 then reverse(substring(reversed_host, 1, dot_1 - 1)) else host end as last_1,
        case when dot_1 = 0 then null when dot_2 > 0 then reverse(substring(reversed_host, 1, dot_2 - 1)) else host end
            as last_2,
        case when dot_2 = 0 then null when dot_3 > 0 then reverse(substring(reversed_host, 1, dot_3 - 1)) else host end
            as last_3,
        case
            when dot_3 = 0 then null
            when {{ dbt.position("'.'", 'substring(reversed_host, dot_3 + 1)') }} > 0
                then reverse(substring(reversed_host, 1, dot_3 + {{ dbt.position("'.'", 'substring(reversed_host, dot_3 + 1)') }} - 1))
            else host
        end as last_4

    from dots_3

),

suffix_levels as (

    select
        labelled.account_id,
        labelled.last_2,
        labelled.last_3,
        labelled.last_4,
        case
            when rule_3.suffix is not null or (wildcard_3.suffix is not null and exception_3.suffix is null) then 3
            -- An exception (!city.kawasaki.jp) makes its parent the suffix.
            when exception_3.suffix is not null then 2
            when rule_2.suffix is not null or (wildcard_2.suffix is not null and exception_2.suffix is null) then 2
            else 1
        end as suffix_labels

    from labelled
    left join {{ ref('public_suffixes') }} as rule_3
        on labelled.last_3 = rule_3.suffix
    left join {{ ref('public_suffixes') }} as wildcard_3
        on {{ dbt.concat(["'*.'", 'labelled.last_2']) }} = wildcard_3.suffix
    left join {{ ref('public_suffixes') }} as exception_3
        on {{ dbt.concat(["'!'", 'labelled.last_3']) }} = exception_3.suffix
    left join {{ ref('public_suffixes') }} as rule_2
        on labelled.last_2 = rule_2.suffix
    left join {{ ref('public_suffixes') }} as wildcard_2
        on {{ dbt.concat(["'*.'", 'labelled.last_1']) }} = wildcard_2.suffix
    left join {{ ref('public_suffixes') }} as exception_2
        on {{ dbt.concat(["'!'", 'labelled.last_2']) }} = exception_2.suffix

),

domains as (

    select
        suffix_levels.account_id,
        case suffix_levels.suffix_labels
            when 3 then suffix_levels.last_4
            when 2 then suffix_levels.last_3
            else suffix_levels.last_2
        end as website_domain

    from suffix_levels

),

own_domains as (

    select domains.account_id, domains.website_domain
    from domains
    left join free_mail
        on domains.website_domain = free_mail.domain
    where free_mail.domain is null
        and domains.website_domain is not null

),

folded as (

    select
        account_id,
        {{ company_name_folded('account_name') }} as folded_name

    from accounts

),

words as (

    select
        account_id,
        {{ first_word('folded_name') }} as word_1,
        {{ after_first_word('folded_name') }} as rest_1

    from folded

),

words_2 as (

    select
        account_id,
        word_1,
        {{ first_word('rest_1') }} as word_2,
        {{ first_word(after_first_word('rest_1')) }} as word_3

    from words

),

keyed as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.website,
        own_domains.website_domain,
        {{ name_block('words_2.word_1') }} as name_block_1,
        {{ name_block('words_2.word_2') }} as name_block_2,
        {{ name_block('words_2.word_3') }} as name_block_3,
        lists.keyed_with

    from accounts
    cross join lists
    left join own_domains
        on accounts.account_id = own_domains.account_id
    left join words_2
        on accounts.account_id = words_2.account_id

)

select * from keyed
