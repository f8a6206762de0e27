{#- One row per configuration a runner tried, as landed, checked against the row and value
    rules (docs/landing_zone.md, "Bad rows and values"): `rejection_rule` names the first rule
    a row breaks (int_landing_benchmark_results_checked adds duplicates; rejected_rows lists
    them, the marts leave them out), and a metric that is NaN, infinite, absurd, zero or
    negative is NULL here with its reason in `value_rejections`. -#}
{%- set positive_metrics = [
    'latency_mean_ms', 'latency_p50_ms', 'latency_p90_ms', 'latency_p95_ms', 'latency_p99_ms',
    'latency_min_ms', 'latency_max_ms', 'throughput_items_per_second',
    'throughput_tokens_per_second', 'memory_peak_mb', 'memory_peak_rss_mb',
] -%}
{%- set statuses = ['completed', 'failed', 'oom', 'timeout', 'unsupported', 'unavailable'] -%}
{%- set precisions = ['fp32', 'fp16', 'bf16', 'int8', 'int4', 'mixed'] -%}
{#- labels the runner judges: a value outside the vocabulary is NULL, with its reason -#}
{%- set labels = {'isolation': ['forked_worker', 'in_process'], 'quality': ['ok', 'noisy']} -%}
with

source as (

    select * from {{ read_landing('benchmark_results') }}

),

renamed as (

    select

        ----------  ids
        result_id,
        run_id,

        ----------  strings
        model_name,
        model_family,
        modality,
        weights_source,
        hardware_type as requested_hardware_type,
        device as actual_device,
        device_name,
        precision,
        lower(status) as status,
        error_type,
        error_message,
        memory_method,
        simulation_reason,
        simulation_method,
        input_shapes,
        host,
        os,
        python_version,
        torch_version,
        transformers_version,
        cuda_version,
        rocm_version,
        driver_version,
        cpu_model,
        percentiles_note,
        isolation,
        quality,
        quality_reason,
        float32_matmul_precision,
        benchdb_version,

        ----------  numerics
        schema_version,
        parameter_count,
        device_memory_gb,
        device_compute_units,
        batch_size,
        sequence_length,
        image_size,
        audio_seconds,
        warmup_iterations,
        iterations,
        min_iterations,
        min_duration_seconds,
        latencies_ms,
        latency_mean_ms,
        latency_p50_ms,
        latency_p90_ms,
        latency_p95_ms,
        latency_p99_ms,
        latency_min_ms,
        latency_max_ms,
        latency_stdev_ms,
        latency_cv,
        throughput_items_per_second,
        throughput_tokens_per_second,
        memory_peak_mb,
        memory_reserved_mb,
        memory_peak_rss_mb,
        memory_baseline_rss_mb,
        memory_loaded_mb,
        memory_inference_growth_mb,
        model_build_seconds,
        warmup_seconds,
        timed_seconds,
        total_seconds,
        load_avg_1m_before,
        load_avg_1m_after,
        process_cpu_seconds,
        other_cpu_seconds,
        num_threads,
        num_interop_threads,
        host_cpu_count,
        host_physical_cores,

        ----------  booleans
        coalesce(is_simulated, false) as is_simulated,
        cuda_matmul_allow_tf32,
        cudnn_allow_tf32,
        onednn_enabled,

        ----------  timestamps
        measured_at,
        run_date,

        ----------  lineage
        source_file,
        current_timestamp as loaded_at

    from source

),

checked as (

    select
        * replace (
            {%- for column in positive_metrics %}
            {{ metric_or_null(column) }} as {{ column }},
            {%- endfor %}
            case
                when list_bool_and(list_transform(
                    latencies_ms, lambda latency: {{ metric_value_rule('latency') }} is null
                )) is not false
                    then latencies_ms
            end as latencies_ms,
            {%- for column, values in labels.items() %}
            case
                when {{ column }} in ('{{ values | join("', '") }}') then {{ column }}
            end as {{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        ),
        case
            when nullif(trim(result_id), '') is null then 'required: result_id'
            when nullif(trim(run_id), '') is null then 'required: run_id'
            when nullif(trim(model_name), '') is null then 'required: model_name'
            when nullif(trim(requested_hardware_type), '') is null then 'required: hardware_type'
            when batch_size is null then 'required: batch_size'
            when batch_size < 1 then 'range: batch_size must be 1 or more'
            when sequence_length < 1 then 'range: sequence_length must be 1 or more'
            when status is null or status not in ('{{ statuses | join("', '") }}')
                then 'vocabulary: status must be one of {{ statuses | join(", ") }}'
            when precision not in ('{{ precisions | join("', '") }}')
                then 'vocabulary: precision must be one of {{ precisions | join(", ") }}'
        end as rejection_rule,
        case
            when nullif(trim(result_id), '') is null then 'result_id'
            when nullif(trim(run_id), '') is null then 'run_id'
            when nullif(trim(model_name), '') is null then 'model_name'
            when nullif(trim(requested_hardware_type), '') is null then 'hardware_type'
            when batch_size is null or batch_size < 1 then 'batch_size'
            when sequence_length < 1 then 'sequence_length'
            when status is null or status not in ('{{ statuses | join("', '") }}') then 'status'
            when precision not in ('{{ precisions | join("', '") }}') then 'precision'
        end as rejected_column,
        case
            when nullif(trim(result_id), '') is null then result_id
            when nullif(trim(run_id), '') is null then run_id
            when nullif(trim(model_name), '') is null then model_name
            when nullif(trim(requested_hardware_type), '') is null then requested_hardware_type
            when batch_size is null or batch_size < 1 then cast(batch_size as varchar)
            when sequence_length < 1 then cast(sequence_length as varchar)
            when status is null or status not in ('{{ statuses | join("', '") }}') then status
            when precision not in ('{{ precisions | join("', '") }}') then precision
        end as rejected_value,
        list_concat(
            {{ metric_value_rejections(positive_metrics) }},
            case
                when list_bool_and(list_transform(
                    latencies_ms, lambda latency: {{ metric_value_rule('latency') }} is null
                )) = false
                    then [{
                        'column_name': 'latencies_ms',
                        'rule': 'an iteration latency is NaN, infinite, absurd, zero or negative',
                        'reported_value': left(cast(latencies_ms as varchar), 200)
                    }]
                else []
            end,
            list_filter(
                [
                    {%- for column, values in labels.items() %}
                    {
                        'column_name': '{{ column }}',
                        'rule': case
                            when {{ column }} not in ('{{ values | join("', '") }}')
                                then 'vocabulary: {{ column }} must be one of {{ values | join(", ") }}'
                        end,
                        'reported_value': {{ column }}
                    }{{ ',' if not loop.last }}
                    {%- endfor %}
                ],
                lambda rejection: rejection.rule is not null
            )
        ) as value_rejections
    from renamed

)

select * from checked
