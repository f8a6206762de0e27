{#- Shape E (suite output), also found inside shape F under performance_benchmarks[family]:
    benchmarks[family][model][hardware].benchmark_results keyed by configuration strings
    batch_{b}_seq_{s}, batch_{b}_img_{W}x{H}, batch_{b}_audio_{sec}s or batch_{b}.
    Latencies are in seconds here and become milliseconds. A configuration that timed out keeps
    the iterations it finished and gets status `timeout`. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape in ('E', 'F')

),

suite_documents as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        documents.document as suite,
        'benchmarks' as suite_path
    from documents
    where documents.source_shape = 'E'

    union all

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        family_item.value as suite,
        'performance_benchmarks.' || family_item.key || '.benchmarks' as suite_path
    from documents
    cross join {{ json_entries("documents.document -> 'performance_benchmarks'") }} as family_item
    where
        documents.source_shape = 'F'
        and json_type(family_item.value -> 'benchmarks') = 'OBJECT'

),

model_runs as (

    select
        suite_documents.* exclude (suite),  -- noqa: RF02, RF03
        suite_documents.suite -> 'system_info' as system_info,
        suite_documents.suite -> 'hardware_details' as hardware_details,
        family_item.key as family_key,
        model_item.key as model_key,
        hardware.key as hardware_key,
        hardware.value as model_run
    from suite_documents
    cross join {{ json_entries("suite_documents.suite -> 'benchmarks'") }} as family_item
    cross join {{ json_entries("family_item.value") }} as model_item
    cross join {{ json_entries("model_item.value") }} as hardware

),

configurations as (

    select
        model_runs.*,
        config.key as config_key,
        config.value as config,
        regexp_extract(
            config.key,
            '^batch_(\d+)(?:_seq_(\d+)|_img_(\d+)x(\d+)|_audio_([0-9.]+)s)?$',
            ['batch', 'seq', 'width', 'height', 'audio']
        ) as parsed_key
    from model_runs
    cross join {{ json_entries("model_runs.model_run -> 'benchmark_results'") }} as config

),

final as (

    select
        ----------  ids
        {{ stable_id([
            'file_id', 'suite_path', 'family_key', 'model_key', 'hardware_key', 'config_key'
        ]) }} as legacy_row_id,
        configurations.file_id,
        configurations.run_id,
        concat_ws(
            '|',
            'suite',
            coalesce(configurations.model_run ->> 'model_name', configurations.model_key),
            lower(coalesce(configurations.model_run ->> 'hardware', configurations.hardware_key)),
            configurations.config_key,
            configurations.model_run ->> 'timestamp'
        ) as measurement_key,

        ----------  strings
        configurations.source_path,
        configurations.source_shape,
        configurations.config_key,
        coalesce(configurations.model_run ->> 'model_name', configurations.model_key) as model_name,
        case coalesce(configurations.model_run ->> 'family', configurations.family_key)
            when 'embedding' then 'text'
            when 'text_generation' then 'text'
            else coalesce(configurations.model_run ->> 'family', configurations.family_key)
        end as modality,
        {{ legacy_result_hardware_type(
            "coalesce(configurations.model_run ->> 'hardware', configurations.hardware_key)"
        ) }} as requested_hardware_type,
        coalesce(configurations.model_run ->> 'hardware', configurations.hardware_key)
            as reported_hardware_key,
        case
            when lower(
                    coalesce(configurations.model_run ->> 'hardware', configurations.hardware_key)
                )
                = 'cuda'
                then configurations.system_info -> 'cuda_devices' -> 0 ->> 'name'
            when lower(
                    coalesce(configurations.model_run ->> 'hardware', configurations.hardware_key)
                )
                = 'cpu'
                then configurations.hardware_details -> 'openvino_device_info' ->> 'CPU'
        end as device_name,
        case
            when try_cast(configurations.config ->> 'timeout' as boolean) then 'timeout'
            else lower(
                    coalesce(
                        configurations.config ->> 'status', configurations.model_run ->> 'status'
                    )
                )
        end as status,
        nullif(regexp_extract(configurations.config ->> 'error', '^([A-Za-z ]+ failed):', 1), '')
            as error_type,
        case
            when try_cast(configurations.config ->> 'timeout' as boolean)
                and configurations.config ->> 'error' is null
                then 'timed out after ' || coalesce(
                        configurations.config ->> 'completed_iterations',
                        configurations.config ->> 'iterations',
                        '?'
                    ) || ' iterations'
            else configurations.config ->> 'error'
        end as error_message,
        configurations.system_info ->> 'hostname' as host,  -- noqa: RF04
        configurations.system_info ->> 'platform' as os,
        configurations.system_info ->> 'python_version' as python_version,
        configurations.system_info ->> 'cuda_version' as cuda_version,
        configurations.hardware_details -> 'openvino_device_info' ->> 'CPU' as cpu_model,
        {{ legacy_simulation_evidence(['model_run', 'config']) }} as simulation_evidence,
        json_object(
            'legacy_family',
            coalesce(configurations.model_run ->> 'family', configurations.family_key),
            'model_class', configurations.model_run ->> 'model_class',
            'image_width', nullif(parsed_key.width, ''),
            'image_height', nullif(parsed_key.height, ''),
            'real_time_factor', {{ json_number("configurations.config -> 'real_time_factor'") }},
            'timeout', try_cast(configurations.config ->> 'timeout' as boolean),
            'latency_unit_in_file', 'seconds'
        ) as source_details,

        ----------  numerics
        -- a suite file itself before a run aggregate that embeds it
        case when configurations.source_shape = 'E' then 1 else 2 end as source_priority,
        try_cast(nullif(parsed_key.batch, '') as integer) as batch_size,
        try_cast(nullif(parsed_key.seq, '') as integer) as sequence_length,
        case
            when parsed_key.width = parsed_key.height
                then try_cast(nullif(parsed_key.width, '') as integer)
        end as image_size,
        try_cast(nullif(parsed_key.audio, '') as double) as audio_seconds,
        list_transform(
            {{ json_positive_numbers("configurations.config -> 'latencies'") }},
            lambda latency: latency * 1000  -- noqa: RF02, RF03
        ) as latencies_ms,
        {{ json_number("configurations.config -> 'avg_latency'") }} * 1000 as latency_mean_ms,
        {{ json_number("configurations.config -> 'throughput'") }} as throughput_items_per_second,
        coalesce(
            {{ json_integer("configurations.config -> 'completed_iterations'") }},
            {{ json_integer("configurations.config -> 'iterations'") }}
        ) as iterations,
        {{ json_number("configurations.config -> 'total_time'") }} as total_seconds,
        {{ json_number("configurations.model_run -> 'model_load_time'") }} as model_build_seconds,
        case
            when lower(
                    coalesce(configurations.model_run ->> 'hardware', configurations.hardware_key)
                )
                = 'cuda'
                then try_cast(
                        configurations.system_info
                        -> 'cuda_devices'
                        -> 0
                        ->> 'total_memory_gb' as double
                    )
            when lower(
                    coalesce(configurations.model_run ->> 'hardware', configurations.hardware_key)
                )
                = 'cpu'
                then {{ json_number("configurations.system_info -> 'total_memory_gb'") }}
        end as device_memory_gb,
        case
            when lower(
                    coalesce(configurations.model_run ->> 'hardware', configurations.hardware_key)
                )
                = 'cuda'
                then try_cast(
                        configurations.system_info
                        -> 'cuda_devices'
                        -> 0
                        ->> 'multi_processor_count' as integer
                    )
            when lower(
                    coalesce(configurations.model_run ->> 'hardware', configurations.hardware_key)
                )
                = 'cpu'
                then {{ json_integer("configurations.system_info -> 'cpu_count_logical'") }}
        end as device_compute_units,
        -- what the suite's torch had allocated on the GPU (hardware_details, GB), for cuda rows:
        -- near zero means the model never reached the device
        case
            when lower(
                    coalesce(configurations.model_run ->> 'hardware', configurations.hardware_key)
                )
                = 'cuda'
                then try_cast(
                        configurations.hardware_details ->> 'cuda_memory_allocated' as double
                    ) * 1024
        end as device_memory_allocated_mb,

        ----------  timestamps
        coalesce(
            {{ legacy_timestamp("model_run ->> 'timestamp'") }},
            {{ legacy_timestamp("system_info ->> 'timestamp'") }},
            configurations.document_at
        ) as measured_at

    from configurations

)

select * from final
