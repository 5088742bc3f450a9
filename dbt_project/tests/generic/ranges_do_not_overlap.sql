{#- No two rows' [min, max] ranges overlap (an empty max is open-ended), within each value of
    `partition_by` when given. Rule ranges are looked up with a plain join, so an overlap would
    put one account in two bands; this names the rows instead. With `key`, rows sharing a key
    (a segment worked by several roles) must have the same range, and only rows of different keys
    are compared for overlap. -#}
{% test ranges_do_not_overlap(model, min_column, max_column, partition_by=none, key=none) %}
{{ config(meta={'description': 'No two ' ~ min_column ~ '..' ~ max_column ~ ' ranges overlap' ~ (' within a ' ~ partition_by if partition_by else '') ~ (', and rows sharing a ' ~ key ~ ' share the range' if key else '') ~ '.'}) }}
with

numbered as (

    select
        {% if partition_by %}{{ partition_by }} as range_group,{% else %}'all' as range_group,{% endif %}
        {% if key %}{{ key }} as range_key,{% else %}cast(null as {{ dbt.type_string() }}) as range_key,{% endif %}
        {{ min_column }} as range_min,
        {{ max_column }} as range_max,
        row_number() over (order by {{ min_column }}, {{ max_column }}) as row_number_in_rules

    from {{ model }}

)

select
    a.range_group,
    a.range_key as first_key,
    a.range_min as first_min,
    a.range_max as first_max,
    b.range_key as second_key,
    b.range_min as second_min,
    b.range_max as second_max

from numbered as a
inner join numbered as b
    on a.range_group = b.range_group
    and a.row_number_in_rules < b.row_number_in_rules
where
    {%- if key %}
    (
        a.range_key = b.range_key
        and (a.range_min <> b.range_min or coalesce(a.range_max, -1) <> coalesce(b.range_max, -1))
    )
    or (
        a.range_key <> b.range_key
        and (b.range_max is null or a.range_min <= b.range_max)
        and (a.range_max is null or b.range_min <= a.range_max)
    )
    {%- else %}
    (b.range_max is null or a.range_min <= b.range_max)
    and (a.range_max is null or b.range_min <= a.range_max)
    {%- endif %}
{% endtest %}
