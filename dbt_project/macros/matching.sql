{#- Text folding for lead-to-account matching. bookflow/inbound/matching/keys.py folds a lead's
    name and web address the same way (tests/test_matching.py builds this SQL and compares), so
    both sides meet on the same keys. -#}

{#- Every match of `pattern` replaced (Postgres and DuckDB need the 'g' flag, Spark replaces all). -#}
{% macro regexp_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{#- A character that is neither a letter nor a digit in any script, nor a space. -#}
{% macro not_letter_or_digit() -%}
    {{ return(adapter.dispatch('not_letter_or_digit')()) }}
{%- endmacro %}

{% macro default__not_letter_or_digit() -%}
    '[^\p{L}\p{N} ]'
{%- endmacro %}

{% macro postgres__not_letter_or_digit() -%}
    '[^[:alnum:] ]'
{%- endmacro %}

{% macro spark__not_letter_or_digit() -%}
    '[^\\p{L}\\p{N} ]'
{%- endmacro %}

{#- A company name as matching compares it: lower case, Latin accents folded, dots and
    apostrophes dropped (S.A. -> sa), other punctuation a space, legal forms and filler words removed.
    The legal forms are removed word by word: every space is doubled first so that two forms in
    a row ("co ltd") each find a space on both sides. -#}
{% macro company_name_folded(name) -%}
    trim({{ regexp_replace_all(
        regexp_replace_all(
            "' ' || " ~ regexp_replace_all(
                regexp_replace_all(
                    regexp_replace_all(
                        regexp_replace_all(
                            "replace(translate(lower(" ~ name ~ "), 'àáâãäåāăąçćčďèéêëēėęěğìíîïīįıłñńňòóôõöøōőœŕřśšşßťùúûüūůűųýÿźžż', 'aaaaaaaaacccdeeeeeeeegiiiiiiilnnnooooooooorrsssstuuuuuuuuyyzzz'), chr(39), '')",
                            "'[.’]'", "''"),
                        "'(株式会社|有限会社|合同会社)'", "' '"),
                    not_letter_or_digit(), "' '"),
                "' '", "'  '") ~ " || ' '",
            "' (inc|incorporated|corp|corporation|co|company|llc|ltd|limited|gmbh|mbh|ag|sa|sas|sarl|srl|spa|bv|nv|plc|pty|pte|oy|ab|kk|kg|lp|llp|the|and|ооо|оао|зао|пао) '",
            "' '"),
        "' +'", "' '") }})
{%- endmacro %}

{#- The host of a web address: scheme, user, port, path, query and a trailing dot removed. -#}
{% macro web_host(address) -%}
    {{ regexp_replace_all(
        regexp_replace_all(
            regexp_replace_all("lower(trim(" ~ address ~ "))", "'^[a-z][a-z0-9+.-]*://'", "''"),
            "'[/?#].*$'", "''"),
        "'^.*@|:[0-9]*$|[.]$'", "''") }}
{%- endmacro %}

{#- The first word of a space-separated text, and what follows it. -#}
{% macro first_word(text) -%}
    case when {{ dbt.position("' '", text) }} > 0
        then substring({{ text }}, 1, {{ dbt.position("' '", text) }} - 1) else {{ text }} end
{%- endmacro %}

{% macro after_first_word(text) -%}
    case when {{ dbt.position("' '", text) }} > 0
        then substring({{ text }}, {{ dbt.position("' '", text) }} + 1) else '' end
{%- endmacro %}

{#- A name's blocking key from one of its words: its first four letters, for words of two or more. -#}
{% macro name_block(word) -%}
    case when {{ dbt.length(word) }} >= 2 then substring({{ word }}, 1, 4) end
{%- endmacro %}
