{#- Shape G (suite summary): per family and hardware, lists of latency (ms) and throughput that
    line up by position with `models_tested`. They are each model's mean over its
    configurations, derived from a shape E file: summaries, not measurements of one
    configuration. One row per family, hardware and model. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape = 'G'

),

hardware_results as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        family_item.key as family_key,
        try_cast(family_item.value -> 'models_tested' as varchar[]) as models_tested,
        hardware.key as hardware_key,
        {{ json_numbers("hardware.value -> 'latency_ms'") }} as latencies_ms,
        {{ json_numbers("hardware.value -> 'throughput'") }} as throughputs
    from documents
    cross join {{ json_entries("documents.document -> 'model_families'") }} as family_item
    cross join {{ json_entries("family_item.value -> 'hardware_results'") }} as hardware

),

positions as (

    select
        hardware_results.*,
        generate_subscripts(hardware_results.models_tested, 1) as list_position
    from hardware_results

),

final as (

    select
        ----------  ids
        {{ stable_id(['file_id', 'family_key', 'hardware_key', 'list_position']) }}
            as legacy_row_id,
        file_id,
        run_id,

        ----------  strings
        source_path,
        source_shape,
        family_key as legacy_family,
        models_tested[list_position] as model_name,
        {{ legacy_result_hardware_type('hardware_key') }} as hardware_type,
        'model mean over configurations' as summary_kind,

        ----------  numerics
        latencies_ms[list_position] as mean_latency_ms,
        throughputs[list_position] as mean_throughput_items_per_second,
        cast(null as double) as mean_memory_mb,
        cast(null as double) as success_rate,
        cast(null as integer) as models_tested,

        ----------  timestamps
        document_at as summarized_at

    from positions

)

select * from final
