{#- The 18-character form of a Salesforce id: the 15 case-sensitive characters plus the case-safe
    suffix, one character of ABCDEFGHIJKLMNOPQRSTUVWXYZ012345 per 5-character block whose bit i is
    set when character i of the block is upper case (bookflow/crm/salesforce/ids.py says the same
    in Python). An 18-character id keeps its suffix; anything else is returned as it is.
    Portable: a character is upper case when lowering changes it. -#}
{% macro salesforce_id_18(expression) -%}
    case
        when length({{ expression }}) = 15 then {{ expression }}
        {%- for block in range(3) %}
            || substring('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', 1
            {%- for position in range(5) %}
                {%- set index = block * 5 + position + 1 %}
                + case
                    when substring({{ expression }}, {{ index }}, 1) <> lower(substring({{ expression }}, {{ index }}, 1))
                    then {{ 2 ** position }} else 0
                end
            {%- endfor %}, 1)
        {%- endfor %}
        else {{ expression }}
    end
{%- endmacro %}
