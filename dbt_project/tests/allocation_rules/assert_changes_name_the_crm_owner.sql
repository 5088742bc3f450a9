{#- Every change names the owner the CRM is to hold: a rep, or the pool as the CRM spells it. Only
    a change to the pool in a CRM whose pool has no owner (HubSpot without a pool owner in
    settings.csv), or in the SDR field (whose pool is an empty field), leaves it empty, which
    unassigns the account or empties the field. -#}
select changes.*
from {{ ref('ownership_changes') }} as changes
cross join {{ ref('stg_rules__settings') }} as settings
where changes.to_crm_owner_id is null
    and not (
        changes.to_owner_id is null
        and (settings.crm_pool_owner_id is null or changes.crm_field <> 'owner_id')
    )
