{#- Shape N (critical models): per model a status, return code and elapsed time, and per
    platform an implementation (REAL or MOCK) with an example. One row per model and platform;
    MOCK is simulation evidence. The pass rate ("100.0%") is read with the run. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape = 'N'

),

models as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        model_item.key as model_key,
        model_item.value as model_result
    from documents
    cross join {{ json_entries("documents.document -> 'model_results'") }} as model_item

),

platforms as (

    select
        models.*,
        platform.key as platform_key,
        platform.value ->> '$' as implementation,
        (
            select example.value
            from
                {{ json_entries("models.model_result -> 'structured_data' -> 'examples'") }}
                    as example
            where lower(example.value ->> 'platform') = lower(platform.key)
            order by example.key
            limit 1
        ) as example
    from models
    cross join {{ json_entries("models.model_result -> 'platform_status'") }} as platform

),

final as (

    select
        ----------  ids
        {{ stable_id(['file_id', "model_key || '.' || platform_key"]) }} as legacy_row_id,
        file_id,
        run_id,
        concat_ws('|', 'critical', model_key, lower(platform_key), document_at) as test_key,

        ----------  strings
        source_path,
        source_shape,
        'critical_models' as test_module,
        model_key || ' on ' || lower(platform_key) as test_name,
        coalesce(model_result -> 'structured_data' ->> 'model_name', model_key) as model_name,
        {{ legacy_hardware_type('platform_key') }} as hardware_type,
        case
            when lower(model_result ->> 'status') in ('passed', 'pass', 'success') then 'pass'
            when lower(model_result ->> 'status') in ('failed', 'fail') then 'fail'
            when lower(model_result ->> 'status') = 'error' then 'error'
            when lower(model_result ->> 'status') in ('missing', 'skipped') then 'skip'
        end as status,
        model_result ->> 'error' as error_message,
        cast(null as varchar) as error_traceback,
        json_object(
            'implementation', implementation,
            'return_code', {{ json_integer("model_result -> 'return_code'") }},
            'model_elapsed_seconds', {{ json_number("model_result -> 'elapsed_time'") }},
            'example_output', example -> 'output'
        ) as metadata,
        case
            when regexp_matches(upper(coalesce(implementation, '')), 'MOCK|SIMULAT')
                then 'platform status ' || implementation
            else {{ legacy_simulation_evidence(['example']) }}
        end as simulation_evidence,

        ----------  numerics
        {{ json_number("example -> 'elapsed_time'") }} as execution_time_seconds,

        ----------  timestamps
        coalesce({{ legacy_timestamp("example ->> 'timestamp'") }}, document_at) as executed_at

    from platforms

)

select * from final
