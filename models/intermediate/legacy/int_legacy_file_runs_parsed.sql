{#- Every registered legacy file as a test run: its name, category, time, duration and the
    run-level outcome it states (a success flag; a success rate read onto one 0-1 scale from
    C's completion percentage, N's "100.0%" pass rate, Q's percent or Z's fraction of test
    files generated). A suite's model list (Y) and a test generation summary (Z) hold no
    results: they are runs and nothing more. Every run says how its file's naive times were
    read (time_zone: inferred, configured or assumed UTC). -#}
{{ config(materialized='table') }}

{#- the file's success rate as a fraction; outside 0-1 it is NULL (int_legacy_metric_leaves
    lists the value in rejected_rows) -#}
{%- set success_rate -%}
        case source_shape
            when
                'C'
                then {{ json_number("document -> 'summary' -> 'completion_percentage'") }} / 100
            when 'N'
                then try_cast(rtrim(document -> 'summary' ->> 'pass_rate', '%') as double) / 100
            when 'Q' then {{ json_number("document -> 'stats' -> 'success_rate'") }} / 100
            -- Z: generated test files over those asked for, a fraction in the file
            when 'Z' then {{ json_number("document -> 'generation_stats' -> 'success_rate'") }}
        end
{%- endset %}
with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}

),

final as (

    select
        ----------  ids
        run_id,
        file_id,

        ----------  strings
        source_path,
        source_shape,
        'legacy ' || source_shape || ': ' || regexp_extract(source_path, '([^/\\]+)$', 1)
            as test_name,
        category as test_type,
        coalesce(
            document -> 'system_info' ->> 'hostname',
            document -> 'results' -> 'metadata' ->> 'hostname'
        ) as host,  -- noqa: RF04
        coalesce(document ->> 'command', document -> 'metadata' ->> 'test_file') as command_line,

        ----------  numerics
        rows_expected,
        coalesce(
            {{ json_number("document -> 'metadata' -> 'execution_time'") }},
            {{ json_number("document -> 'elapsed_time'") }},
            nullif({{ json_number("document -> 'total_execution_time'") }}, 0)
        ) as execution_time_seconds,
        {{ fraction_or_null(success_rate) }} as success_rate,

        ----------  booleans
        case
            when json_type(document) = 'OBJECT'
                then try_cast(document ->> 'success' as boolean)
        end as stated_success,

        ----------  json
        json_object(
            'legacy_shape', source_shape,
            'summary', coalesce(document -> 'summary', document -> 'stats'),
            'settings', case when source_shape = 'I' then document end,
            'software', document -> 'results' -> 'metadata',
            'recommendations', document -> 'recommendations',
            'test_environment', document -> 'test_environment',
            'generation', case when source_shape = 'Z' then document -> 'generation_stats' end,
            'models_listed', case when source_shape = 'Y' then json_keys(document) end,
            'time_zone', time_zone_basis,
            'time_zone_evidence', time_zone_evidence
        ) as metadata,

        ----------  timestamps
        document_at as started_at

    from documents

)

select * from final
