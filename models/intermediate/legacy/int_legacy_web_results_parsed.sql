{#- Shape J: one model on one web platform (webgpu, webnn). The batch size is not recorded. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape = 'J'

),

final as (

    select
        ----------  ids
        {{ stable_id(['file_id', "'metrics'"]) }} as legacy_row_id,
        file_id,
        run_id,
        concat_ws(
            '|', 'web', document ->> 'model_name', lower(document ->> 'platform'),
            document ->> 'timestamp'
        ) as measurement_key,

        ----------  strings
        source_path,
        source_shape,
        'metrics' as config_key,
        coalesce(document ->> 'model_name', document ->> 'model_key') as model_name,
        document ->> 'modality' as modality,
        {{ legacy_result_hardware_type("document ->> 'platform'") }} as requested_hardware_type,
        document ->> 'platform' as reported_hardware_key,
        case
            when lower(document ->> 'status') in ('success', 'completed', 'ok') then 'completed'
            else lower(document ->> 'status')
        end as status,
        document ->> 'error' as error_message,
        {{ legacy_simulation_evidence(['document']) }} as simulation_evidence,
        json_object(
            'implementation_type', document ->> 'implementation_type',
            'test_file', document ->> 'test_file',
            'browser_opened', try_cast(document ->> 'browser_opened' as boolean),
            'load_time_ms', {{ json_number("document -> 'metrics' -> 'load_time_ms'") }},
            'platform_support', document -> 'platform_support'
        ) as source_details,

        ----------  numerics
        1 as source_priority,
        cast(null as integer) as batch_size,
        coalesce(
            {{ json_number("document -> 'metrics' -> 'inference_time_ms'") }},
            {{ json_number("document -> 'metrics' -> 'latency_ms'") }}
        ) as latency_mean_ms,
        {{ json_number("document -> 'metrics' -> 'throughput_items_per_second'") }}
            as throughput_items_per_second,
        coalesce(
            {{ json_number("document -> 'metrics' -> 'memory_mb'") }},
            {{ json_number("document -> 'metrics' -> 'memory_gb'") }} * 1024
        ) as memory_peak_mb,

        ----------  timestamps
        document_at as measured_at

    from documents

)

select * from final
