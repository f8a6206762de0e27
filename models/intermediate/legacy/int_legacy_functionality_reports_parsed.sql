{#- Shape Q (model functionality report), also found in shape F once per hardware under
    functionality_verification: `detailed_results` (model, hardware, success, return code,
    stderr) and `model_results` (per model, per hardware, a boolean). Pairs only in
    model_results are rows too. `test_key` names the test run (stats timestamp), the model and
    the hardware, so a block copied under another hardware key is kept once. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape in ('Q', 'F')

),

blocks as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        '$' as block_key,
        documents.document as block,
        cast(null as json) as model_names
    from documents
    where documents.source_shape = 'Q'

    union all

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        'functionality_verification.' || block.key as block_key,
        block.value as block,
        documents.document -> 'models' as model_names
    from documents
    cross join {{ json_entries("documents.document -> 'functionality_verification'") }} as block
    where documents.source_shape = 'F'

),

detailed as (

    select
        blocks.* exclude (block),  -- noqa: RF02, RF03
        blocks.block -> 'stats' as stats,
        blocks.block_key || '.detailed_results[' || item.key || ']' as record_key,
        item.value ->> 'model' as model_key,
        item.value ->> 'hardware' as hardware_key,
        try_cast(item.value ->> 'success' as boolean) as is_success,
        {{ json_integer("item.value -> 'return_code'") }} as return_code,
        nullif(item.value ->> 'stdout', '') as stdout,  -- noqa: RF04
        nullif(item.value ->> 'stderr', '') as stderr
    from blocks
    cross join {{ json_entries("blocks.block -> 'detailed_results'") }} as item

),

pairs as (

    select
        blocks.* exclude (block),  -- noqa: RF02, RF03
        blocks.block -> 'stats' as stats,
        blocks.block_key || '.model_results.' || model_item.key || '.' || hardware.key
            as record_key,
        model_item.key as model_key,
        hardware.key as hardware_key,
        try_cast(hardware.value as boolean) as is_success,
        cast(null as integer) as return_code,
        cast(null as varchar) as stdout,  -- noqa: RF04
        cast(null as varchar) as stderr
    from blocks
    cross join {{ json_entries("blocks.block -> 'model_results'") }} as model_item
    cross join {{ json_entries("model_item.value") }} as hardware

),

summarised_only as (

    select pairs.*
    from pairs
    anti join detailed
        on
            pairs.file_id = detailed.file_id
            and pairs.block_key = detailed.block_key
            and pairs.model_key = detailed.model_key
            and pairs.hardware_key = detailed.hardware_key

),

records as (

    select * from detailed
    union all
    select * from summarised_only

),

final as (

    select
        ----------  ids
        {{ stable_id(['file_id', 'record_key']) }} as legacy_row_id,
        file_id,
        run_id,
        concat_ws(
            '|', 'functionality', stats ->> 'timestamp', model_key, lower(hardware_key)
        ) as test_key,

        ----------  strings
        source_path,
        source_shape,
        'model_functionality' as test_module,
        model_key || ' on ' || lower(hardware_key) as test_name,
        coalesce(model_names -> model_key ->> 'name', model_key) as model_name,
        {{ legacy_hardware_type('hardware_key') }} as hardware_type,
        case
            when is_success then 'pass'
            when stderr is not null then 'error'
            when is_success = false then 'fail'
        end as status,
        case
            when not is_success
                then coalesce(
                        {{ legacy_last_line('stderr') }},
                        'failed; the legacy file records no error'
                    )
        end as error_message,
        case when not is_success then stderr end as error_traceback,
        json_object(
            'return_code', return_code,
            'model_key', model_key,
            'stdout', stdout,
            'report_block', block_key
        ) as metadata,
        cast(null as varchar) as simulation_evidence,
        block_key,
        {{ legacy_result_hardware_type("stats -> 'hardware_platforms' ->> 0") }}
            as stats_hardware_type,

        ----------  numerics
        cast(null as double) as execution_time_seconds,
        -- the report's success rate is in percent
        {{ fraction_or_null(json_number("stats -> 'success_rate'") ~ ' / 100') }}
            as stats_success_rate,
        {{ json_integer("stats -> 'total_tests'") }} as stats_total_tests,
        {{ json_integer("stats -> 'models_tested'") }} as stats_models_tested,

        ----------  timestamps
        coalesce({{ legacy_timestamp("stats ->> 'timestamp'") }}, document_at) as executed_at

    from records

)

select * from final
