{#- Shape K (hand-written comparison): results_by_modality[modality] lists models, each with
    one object per web platform (time_ms, memory_mb, success, implementation, error). Nulls stay
    NULL. The platform summaries and per-modality success rates (fractions 0-1) are in
    int_legacy_web_comparison_summaries_parsed. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape = 'K'

),

models as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        documents.document ->> 'timestamp' as document_timestamp,
        modality.key as modality,
        item.key as item_index,
        item.value as item
    from documents
    cross join {{ json_entries("documents.document -> 'results_by_modality'") }} as modality
    cross join {{ json_entries("modality.value") }} as item

),

platforms as (

    select
        models.* exclude (item),  -- noqa: RF02, RF03
        models.item ->> 'model' as model_key,
        platform.key as platform,
        platform.value as result
    from models
    cross join {{ json_entries("models.item") }} as platform
    where json_type(platform.value) = 'OBJECT'

),

final as (

    select
        ----------  ids
        {{ stable_id(['file_id', 'modality', 'item_index', 'platform']) }} as legacy_row_id,
        file_id,
        run_id,
        concat_ws('|', 'web-comparison', model_key, lower(platform), document_timestamp)
            as measurement_key,

        ----------  strings
        source_path,
        source_shape,
        'results_by_modality.' || modality || '.' || item_index || '.' || platform as config_key,
        model_key as model_name,
        modality,
        {{ legacy_result_hardware_type('platform') }} as requested_hardware_type,
        platform as reported_hardware_key,
        case
            when try_cast(result ->> 'success' as boolean) then 'completed'
            when try_cast(result ->> 'success' as boolean) = false then 'failed'
            else 'unknown'
        end as status,
        result ->> 'error' as error_message,
        {{ legacy_simulation_evidence(['result']) }} as simulation_evidence,
        json_object('implementation', result ->> 'implementation') as source_details,

        ----------  numerics
        1 as source_priority,
        cast(null as integer) as batch_size,
        {{ json_number("result -> 'time_ms'") }} as latency_mean_ms,
        coalesce(
            {{ json_number("result -> 'memory_mb'") }},
            {{ json_number("result -> 'memory_gb'") }} * 1024
        ) as memory_peak_mb,

        ----------  timestamps
        document_at as measured_at

    from platforms

)

select * from final
