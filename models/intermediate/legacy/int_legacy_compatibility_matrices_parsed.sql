{#- Shape H (hardware compatibility matrix): per family and hardware `compatible`,
    `performance_rating` and benchmark_results (mean latency in seconds, mean throughput, model).
    One row per listed result, or one row per family and hardware when none is listed.
    `compatible: false` with no results means the pair was not tested: is_compatible is NULL
    then, and is_tested false. -#}
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
    cross join json_each(documents.document -> 'model_families') as family_item
    cross join json_each(family_item.value -> 'hardware_compatibility') as hardware

),

listed as (

    select
        entries.* exclude (entry),  -- noqa: RF02, RF03
        entries.entry,
        result.key as result_index,
        result.value as result
    from entries
    cross join json_each(entries.entry -> 'benchmark_results') as result

    union all

    select
        entries.* exclude (entry),  -- noqa: RF02, RF03
        entries.entry,
        cast(null as varchar) as result_index,
        cast(null as json) as result
    from entries
    where entries.result_count = 0

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
        result ->> 'model_name' as model_name,
        lower(hardware_key) as hardware_type,
        entry ->> 'performance_rating' as performance_rating,
        {{ legacy_simulation_evidence(['entry', 'result']) }} as simulation_evidence,

        ----------  numerics
        try_cast(result ->> 'mean_latency' as double) * 1000 as mean_latency_ms,
        try_cast(result ->> 'mean_throughput' as double) as mean_throughput_items_per_second,
        result_count,

        ----------  booleans
        result_count > 0 as is_tested,
        case
            when result_count > 0 then try_cast(entry ->> 'compatible' as boolean)
            when try_cast(entry ->> 'compatible' as boolean) then true
        end as is_compatible,

        ----------  timestamps
        coalesce({{ legacy_timestamp("result ->> 'timestamp'") }}, document_at) as tested_at

    from listed

)

select * from final
