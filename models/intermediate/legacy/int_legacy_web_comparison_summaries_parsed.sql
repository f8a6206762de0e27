{#- Shape K, its summaries: per web platform a success rate (a fraction 0-1 here), average
    processing time and memory and the number of models tested; per modality and platform a
    success rate. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape = 'K'

),

platform_summaries as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        'summary.' || platform.key as summary_key,
        cast(null as varchar) as modality,
        platform.key as platform,
        'platform summary' as summary_kind,
        {{ json_number("platform.value -> 'success_rate'") }} as success_rate,
        {{ json_number("platform.value -> 'avg_processing_time_ms'") }} as mean_latency_ms,
        {{ json_number("platform.value -> 'avg_memory_usage_mb'") }} as mean_memory_mb,
        {{ json_integer("platform.value -> 'models_tested'") }} as models_tested
    from documents
    cross join {{ json_entries("documents.document -> 'summary'") }} as platform

),

modality_rates as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        'modality_compatibility.' || modality.key || '.' || rate.key as summary_key,
        modality.key as modality,
        regexp_replace(rate.key, '_success$', '') as platform,
        'modality success rate' as summary_kind,
        {{ json_number('rate.value') }} as success_rate,
        cast(null as double) as mean_latency_ms,
        cast(null as double) as mean_memory_mb,
        cast(null as integer) as models_tested
    from documents
    cross join {{ json_entries("documents.document -> 'modality_compatibility'") }} as modality
    cross join {{ json_entries("modality.value") }} as rate

),

unioned as (

    select * from platform_summaries
    union all
    select * from modality_rates

),

final as (

    select
        {{ stable_id(['file_id', 'summary_key']) }} as legacy_row_id,
        file_id,
        run_id,
        source_path,
        source_shape,
        modality,
        cast(null as varchar) as model_name,
        {{ legacy_result_hardware_type('platform') }} as hardware_type,
        summary_kind,
        mean_latency_ms,
        cast(null as double) as mean_throughput_items_per_second,
        mean_memory_mb,
        -- a rate above 1 was written in percent
        {{ fraction_or_null(
            'case when success_rate > 1 then success_rate / 100 else success_rate end'
        ) }} as success_rate,
        models_tested,
        document_at as summarized_at
    from unioned

)

select * from final
