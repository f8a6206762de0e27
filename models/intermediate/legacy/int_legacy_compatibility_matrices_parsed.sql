{#- Shape H (hardware compatibility matrix): per family and hardware `compatible`,
    `performance_rating` and benchmark_results (mean latency in seconds, mean throughput, model).
    One row per listed result, or one row per family and hardware when none is listed.
    `compatible: false` with no results means the pair was not tested: is_compatible is NULL
    then, and is_tested false. So is a listed result that states no measurement and no error
    (the run that wrote the matrix crashed before testing it), or one whose error is the test
    harness crashing (NameError ...): a crashed run is not tested, never incompatible. A
    hardware key outside the vocabulary (a model name) is hardware 'unknown', and the row says
    what the key was. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape = 'H'

),

entries as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        family_item.key as family_key,
        hardware.key as hardware_key,
        hardware.value as entry,
        coalesce(json_array_length(hardware.value -> 'benchmark_results'), 0) as result_count
    from documents
    cross join {{ json_entries("documents.document -> 'model_families'") }} as family_item
    cross join {{ json_entries("family_item.value -> 'hardware_compatibility'") }} as hardware

),

listed as (

    select
        entries.* exclude (entry),  -- noqa: RF02, RF03
        entries.entry,
        result.key as result_index,
        result.value as result
    from entries
    cross join {{ json_entries("entries.entry -> 'benchmark_results'") }} as result

    union all

    select
        entries.* exclude (entry),  -- noqa: RF02, RF03
        entries.entry,
        cast(null as varchar) as result_index,
        cast(null as json) as result
    from entries
    where entries.result_count = 0

),

judged as (

    select
        *,
        {{ legacy_hardware_type('hardware_key') }} as known_hardware_type,
        coalesce(result ->> 'error', result ->> 'error_message') as result_error,
        -- a listed result is a test only when it states a measurement or an outcome
        coalesce(
            {{ json_number("result -> 'mean_latency'") }} > 0
            or {{ json_number("result -> 'mean_throughput'") }} > 0
            or coalesce(result ->> 'error', result ->> 'error_message', result ->> 'status')
            is not null,
            false
        ) as has_outcome
    from listed

),

final as (

    select
        ----------  ids
        {{ stable_id(['file_id', 'family_key', 'hardware_key', 'result_index']) }}
            as legacy_row_id,
        file_id,
        run_id,

        ----------  strings
        source_path,
        source_shape,
        family_key as legacy_family,
        coalesce(
            result ->> 'model_name',
            -- a model name used as the hardware key: the entry is that model's
            case
                when known_hardware_type is null and hardware_key like '%/%' then hardware_key
            end
        ) as model_name,
        coalesce(known_hardware_type, 'unknown') as hardware_type,
        entry ->> 'performance_rating' as performance_rating,
        concat_ws(
            '; ',
            {{ legacy_hardware_key_note('hardware_key') }},
            case
                when result_count > 0 and not has_outcome
                    then
                        'listed with no measurement and no error: not tested (the run that'
                        || ' wrote the matrix did not test it, e.g. it crashed)'
                when {{ legacy_is_crash('result_error') }}
                    then 'the test crashed, so nothing was tested: ' || result_error
                else result_error
            end
        ) as error_message,
        {{ legacy_simulation_evidence(['entry', 'result']) }} as simulation_evidence,

        ----------  numerics
        {{ json_number("result -> 'mean_latency'") }} * 1000 as mean_latency_ms,
        {{ json_number("result -> 'mean_throughput'") }} as mean_throughput_items_per_second,
        result_count,

        ----------  booleans
        result_count > 0 and has_outcome and not {{ legacy_is_crash('result_error') }}
            as is_tested,
        case
            when
                result_count > 0 and has_outcome and not {{ legacy_is_crash('result_error') }}
                then try_cast(entry ->> 'compatible' as boolean)
            when
                result_count = 0 and try_cast(entry ->> 'compatible' as boolean)
                then true
        end as is_compatible,

        ----------  timestamps
        coalesce({{ legacy_timestamp("result ->> 'timestamp'") }}, document_at) as tested_at

    from judged

)

select * from final
