{#-
    A legacy time as UTC timestamptz, whatever its format (SHAPES.md): ISO with `Z` or an offset
    (absolute); epoch seconds (absolute); ISO without zone, `YYYY-MM-DD HH:MM:SS` and compact
    `YYYYmmdd_HHMMSS` are naive local times: read with `offset_seconds` (the file's UTC offset
    inferred from evidence, int_legacy_documents_registered) when it is not NULL, else in the
    zone of the `legacy_naive_timezone` setting (UTC when unset). `text` is a varchar
    expression; anything unreadable gives NULL.
-#}
{% macro legacy_timestamp(text, offset_seconds='utc_offset_seconds') -%}
    (
        case
            when {{ text }} is null then null
            when regexp_full_match(trim({{ text }}), '\d{9,10}(\.\d+)?')
                then to_timestamp(cast(trim({{ text }}) as double))
            when regexp_matches(trim({{ text }}), '(Z|[+-]\d{2}:?\d{2})$')
                then try_cast(trim({{ text }}) as timestamptz)
            else {{ legacy_naive_time(legacy_naive_timestamp(text), offset_seconds) }}
        end
    )
{%- endmacro %}

{#- A naive legacy time text as a timestamp without zone (NULL when it is not one). -#}
{% macro legacy_naive_timestamp(text) -%}
    (
        case
            when regexp_full_match(trim({{ text }}), '\d{8}_\d{6}')
                then try_strptime(trim({{ text }}), '%Y%m%d_%H%M%S')
            when regexp_matches(trim({{ text }}), '(Z|[+-]\d{2}:?\d{2})$') then null
            else try_cast(replace(trim({{ text }}), 'T', ' ') as timestamp)
        end
    )
{%- endmacro %}

{#- A naive timestamp as UTC: minus the inferred offset, else in the configured zone. -#}
{% macro legacy_naive_time(naive, offset_seconds='utc_offset_seconds') -%}
    (
        case
            when {{ offset_seconds }} is not null
                then timezone('UTC', {{ naive }}) - to_seconds({{ offset_seconds }})
            else timezone({{ legacy_naive_timezone() }}, {{ naive }})
        end
    )
{%- endmacro %}

{#- The zone legacy naive times were written in, when no evidence says: dbt var
    `legacy_naive_timezone`, else the environment variable BENCHMARK_LEGACY_TIMEZONE, else
    UTC. -#}
{% macro legacy_naive_timezone() -%}
    '{{ var("legacy_naive_timezone", env_var("BENCHMARK_LEGACY_TIMEZONE", "")) or "UTC" }}'
{%- endmacro %}

{#- How a naive time's zone is decided when no evidence says: 'configured' when the setting
    names a zone, else 'assumed UTC'. -#}
{% macro legacy_naive_timezone_basis() -%}
    {%- if var("legacy_naive_timezone", env_var("BENCHMARK_LEGACY_TIMEZONE", "")) -%}
        'configured'
    {%- else -%}
        'assumed UTC'
    {%- endif -%}
{%- endmacro %}

{#- A UTC offset in seconds as text: -28800 -> 'UTC-08:00'. -#}
{% macro legacy_utc_offset_label(offset_seconds) -%}
    printf(
        'UTC%s%02d:%02d',
        case when {{ offset_seconds }} < 0 then '-' else '+' end,
        abs({{ offset_seconds }}) // 3600,
        abs({{ offset_seconds }}) % 3600 // 60
    )
{%- endmacro %}
