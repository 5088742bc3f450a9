-- The accounts worth scoring for each lead of this pass: the one it names, those on its
-- domain, and those sharing name blocks with it (most blocks shared first, then its country;
-- at most $per_lead). Equality joins on the keys the warehouse built (marts.account_match_keys,
-- attached as `facts`), so the cost is a few scans of the keys, never a comparison per account.
with

leads as (
    select * from lead_keys
),

lead_blocks as (
    select lead_id, country, block
    from (select lead_id, country, unnest([block_1, block_2, block_3]) as block from leads)
    where block is not null
),

named as (
    select leads.lead_id, keys.account_id, 0 as shared
    from leads
    inner join facts.marts.account_match_keys as keys
        on leads.account_id = keys.account_id
),

on_domain as (
    select leads.lead_id, keys.account_id, 0 as shared
    from leads
    inner join facts.marts.account_match_keys as keys
        on leads.domain = keys.website_domain
),

block_hits as (
    select lead_blocks.lead_id, lead_blocks.country, keys.account_id, keys.billing_country
    from lead_blocks
    inner join facts.marts.account_match_keys as keys on lead_blocks.block = keys.name_block_1
    union all
    select lead_blocks.lead_id, lead_blocks.country, keys.account_id, keys.billing_country
    from lead_blocks
    inner join facts.marts.account_match_keys as keys on lead_blocks.block = keys.name_block_2
    union all
    select lead_blocks.lead_id, lead_blocks.country, keys.account_id, keys.billing_country
    from lead_blocks
    inner join facts.marts.account_match_keys as keys on lead_blocks.block = keys.name_block_3
),

by_name as (
    select lead_id, account_id, count(*) as shared
    from block_hits
    group by lead_id, account_id, country, billing_country
    qualify row_number() over (
        partition by lead_id
        order by count(*) desc, (country = billing_country) desc nulls last, account_id
    ) <= $per_lead
),

candidates as (
    select lead_id, account_id from named
    union
    select lead_id, account_id from on_domain
    union
    select lead_id, account_id from by_name
)

select
    candidates.lead_id,
    keys.account_id,
    keys.account_name,
    keys.website_domain,
    keys.billing_country,
    keys.employee_count
from candidates
inner join facts.marts.account_match_keys as keys
    on candidates.account_id = keys.account_id
order by candidates.lead_id, keys.account_id
