{#- The inbound changes this cycle reports: made after the previous cycle started and up to this
    one (routing stamps each with the as_of of the next cycle, so a skipped day loses nothing). -#}
with

changes as (

    select * from {{ ref('stg_inbound__ownership_changes') }}

),

previous_cycle as (

    select max(as_of) as as_of
    from {{ ref('stg_inbound__cycles') }}
    where as_of < {{ as_of() }}

),

in_cycle as (

    select changes.*
    from changes
    cross join previous_cycle
    where changes.as_of <= {{ as_of() }}
        and (previous_cycle.as_of is null or changes.as_of > previous_cycle.as_of)

)

select * from in_cycle
