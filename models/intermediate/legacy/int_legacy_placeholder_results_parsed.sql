{#- Shape D: one model on one hardware type, `batch_sizes` keyed by batch size as a string.
    The numbers are what the file says; the placeholder patterns that mark them simulated are
    found in int_legacy_benchmark_results_flagged. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape = 'D'

),

batches as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        documents.document,
        batch.key as batch_key,
        batch.value as batch
    from documents
    cross join {{ json_entries("documents.document -> 'batch_sizes'") }} as batch

),

final as (

    select
        ----------  ids
        {{ stable_id(['file_id', "'batch_sizes.' || batch_key"]) }} as legacy_row_id,
        file_id,
        run_id,
        concat_ws(
            '|', 'placeholder',
            coalesce(document ->> 'model_path', document ->> 'model'),
            lower(coalesce(document ->> 'hardware_key', document ->> 'hardware')),
            batch_key,
            document ->> 'timestamp'
        ) as measurement_key,

        ----------  strings
        source_path,
        source_shape,
        'batch_sizes.' || batch_key as config_key,
        coalesce(document ->> 'model_path', document ->> 'model') as model_name,
        case document ->> 'model_category'
            when 'embedding' then 'text'
            when 'text_generation' then 'text'
            else document ->> 'model_category'
        end as modality,
        {{ legacy_result_hardware_type(
            "coalesce(document ->> 'hardware_key', document ->> 'hardware')"
        ) }} as requested_hardware_type,
        coalesce(document ->> 'hardware_key', document ->> 'hardware') as reported_hardware_key,
        case
            when try_cast(batch ->> 'success' as boolean) then 'completed'
            when try_cast(batch ->> 'success' as boolean) = false then 'failed'
            else 'unknown'
        end as status,
        batch ->> 'error' as error_message,
        {{ legacy_simulation_evidence(['document', 'batch']) }} as simulation_evidence,
        json_object(
            'legacy_model', document ->> 'model',
            'legacy_family', document ->> 'model_category',
            'command', batch ->> 'command',
            'compatible', try_cast(document ->> 'compatible' as boolean)
        ) as source_details,

        ----------  numerics
        1 as source_priority,
        try_cast(batch_key as integer) as batch_size,
        {{ json_number("batch -> 'latency_ms'") }} as latency_mean_ms,
        {{ json_number("batch -> 'throughput'") }} as throughput_items_per_second,
        coalesce(
            {{ json_number("batch -> 'memory_usage_mb'") }},
            {{ json_number("batch -> 'memory_mb'") }},
            {{ json_number("batch -> 'memory_usage_gb'") }} * 1024
        ) as memory_peak_mb,

        ----------  booleans
        try_cast(document ->> 'compatible' as boolean) as is_compatible,

        ----------  timestamps
        document_at as measured_at

    from batches

)

select * from final
