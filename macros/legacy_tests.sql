{#- A legacy integration status string as pass, fail, error or skip ("Success (REAL)" -> pass,
    "Error: ..." -> error, "Failed CPU initialization" -> fail, "CUDA not available" -> skip);
    NULL when the text is a value, not a status. -#}
{% macro legacy_check_status(text) -%}
    (
        case
            when {{ text }} is null then null
            when regexp_matches({{ text }}, '^\s*(success|ready|passed|pass|ok)\b', 'i') then 'pass'
            when regexp_matches({{ text }}, 'not available|not supported|skipped', 'i') then 'skip'
            when regexp_matches({{ text }}, '^\s*(error|exception)', 'i') then 'error'
            when regexp_matches({{ text }}, '^\s*(failed|failure|fail)\b', 'i') then 'fail'
        end
    )
{%- endmacro %}

{#- The last non-empty line of a text (the exception line of a traceback or stderr). -#}
{% macro legacy_last_line(text) -%}
    nullif(
        list_filter(
            string_split(coalesce({{ text }}, ''), chr(10)), lambda l: trim(l) != ''
        )[-1],
        ''
    )
{%- endmacro %}
