{#-
    A legacy time as UTC timestamptz, whatever its format (SHAPES.md): ISO with `Z` or an offset
    (absolute); epoch seconds (absolute); ISO without zone, `YYYY-MM-DD HH:MM:SS` and compact
    `YYYYmmdd_HHMMSS` (naive local times, read in the zone of the `legacy_naive_timezone` var,
    default UTC). `text` is a varchar expression; anything unreadable gives NULL.
-#}
{% macro legacy_timestamp(text) -%}
    (
        case
            when {{ text }} is null then null
            when regexp_full_match(trim({{ text }}), '\d{9,10}(\.\d+)?')
                then to_timestamp(cast(trim({{ text }}) as double))
            when regexp_full_match(trim({{ text }}), '\d{8}_\d{6}')
                then timezone(
                    {{ legacy_naive_timezone() }},
                    try_strptime(trim({{ text }}), '%Y%m%d_%H%M%S')
                )
            when regexp_matches(trim({{ text }}), '(Z|[+-]\d{2}:?\d{2})$')
                then try_cast(trim({{ text }}) as timestamptz)
            else timezone(
                {{ legacy_naive_timezone() }},
                try_cast(replace(trim({{ text }}), 'T', ' ') as timestamp)
            )
        end
    )
{%- endmacro %}

{#- The zone legacy naive times were written in: dbt var `legacy_naive_timezone`, else the
    environment variable BENCHMARK_LEGACY_TIMEZONE, else UTC. -#}
{% macro legacy_naive_timezone() -%}
    '{{ var("legacy_naive_timezone", env_var("BENCHMARK_LEGACY_TIMEZONE", "UTC")) }}'
{%- endmacro %}
