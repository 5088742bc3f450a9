{#- When each rep takes hand raises, as UTC windows from the day before the run to eight days
    after it (routing between two cycles looks at most a day or so ahead; a week of slack covers
    missed cycles). A rep's working hours are in their own time zone, so a window moves with
    daylight saving; an absence (unavailable_until, local) cuts the windows it overlaps. A rep
    with no row in rep_availability takes hand raises at any hour: one window without bounds. -#}
with

reps as (

    select rep_id from {{ ref('reps') }}

),

availability as (

    select * from {{ ref('rep_availability') }}

),

days as (

    {{ numbers(10) }}

),

local_days as (

    select
        availability.rep_id,
        availability.time_zone,
        availability.work_days,
        cast({{ dbt.dateadd('day', 'days.n - 2', as_of()) }} as date) as local_day,
        {{ dbt.cast('substring(availability.work_start, 1, 2)', dbt.type_int()) }} * 60
            + {{ dbt.cast('substring(availability.work_start, 4, 2)', dbt.type_int()) }} as start_minute,
        {{ dbt.cast('substring(availability.work_end, 1, 2)', dbt.type_int()) }} * 60
            + {{ dbt.cast('substring(availability.work_end, 4, 2)', dbt.type_int()) }} as end_minute,
        cast(availability.unavailable_until as {{ dbt.type_timestamp() }}) as away_until_local

    from availability
    cross join days

),

weekdays as (

    select
        *,
        -- 1970-01-01 was a Thursday: days since then, shifted, give Mon..Sun on any warehouse.
        case mod({{ dbt.datediff("cast('1970-01-01' as date)", 'local_day', 'day') }} + 3, 7)
            when 0 then 'Mon' when 1 then 'Tue' when 2 then 'Wed' when 3 then 'Thu'
            when 4 then 'Fri' when 5 then 'Sat' else 'Sun'
        end as weekday

    from local_days

),

local_windows as (

    select
        rep_id,
        time_zone,
        {{ dbt.dateadd('minute', 'start_minute', 'cast(local_day as ' ~ dbt.type_timestamp() ~ ')') }} as starts_local,
        {{ dbt.dateadd(
            'minute',
            'case when end_minute > start_minute then end_minute else end_minute + 1440 end',
            'cast(local_day as ' ~ dbt.type_timestamp() ~ ')'
        ) }} as ends_local,
        away_until_local

    from weekdays
    where {{ dbt.position('weekday', 'work_days') }} > 0

),

utc_windows as (

    select
        rep_id,
        {{ local_to_utc('starts_local', 'time_zone') }} as starts_at,
        {{ local_to_utc('ends_local', 'time_zone') }} as ends_at,
        {{ local_to_utc('away_until_local', 'time_zone') }} as away_until

    from local_windows

),

worked as (

    select
        rep_id,
        case when away_until > starts_at then away_until else starts_at end as available_from,
        ends_at as available_until

    from utc_windows

),

always as (

    select
        reps.rep_id,
        cast(null as {{ dbt.type_timestamp() }}) as available_from,
        cast(null as {{ dbt.type_timestamp() }}) as available_until

    from reps
    left join availability
        on reps.rep_id = availability.rep_id
    where availability.rep_id is null

),

final as (

    select rep_id, available_from, available_until from worked
    where available_from < available_until
    union all
    select rep_id, available_from, available_until from always

)

select * from final
