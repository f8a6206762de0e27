{#- One row per benchmark configuration tried: the old system's columns first, then what it
    lacked (sequence length, percentiles, measured_at, requested vs actual device, environment,
    status and error). Missing metrics stay NULL, and so does a missing time: `created_at` is
    when the result was measured, never when the warehouse was built.

    Incremental (macros/incremental.sql): a build writes the rows checked since it last ran. -#}
{{ config(
    materialized=incremental_or_table(),
    unique_key='result_id',
    incremental_strategy='delete+insert',
) }}
{%- set watermark = incremental_watermark() %}

with

results as (

    select * from {{ ref('int_benchmark_results_fallback_checked') }}
    where {{ newer_than_watermark('loaded_at', watermark) }}

),

final as (

    select
        result_id,
        run_id,
        model_id,
        hardware_id,
        case
            when benchmark_kind = 'generate' then 'inference_generate' else 'inference_forward'
        end as test_case,
        batch_size,
        precision,
        total_seconds as total_time_seconds,
        latency_mean_ms as average_latency_ms,
        throughput_items_per_second,
        memory_peak_mb,
        iterations,
        warmup_iterations,
        -- the old schema's free-form metrics; every iteration's latency is the latencies_ms
        -- column (a list, not text: a JSON copy of it was most of the warehouse's size)
        {{ json_object_of([
            ('latency_stdev_ms', 'latency_stdev_ms'),
            ('memory_reserved_mb', 'memory_reserved_mb'),
            ('memory_method', 'memory_method'),
            ('model_build_seconds', 'model_build_seconds'),
            ('input_shapes', json_value('input_shapes')),
        ]) }} as metrics,
        measured_at as created_at,
        is_simulated,
        simulation_reason,
        simulation_method,
        model_name,
        model_family,
        modality,
        requested_hardware_type as hardware_type,
        requested_hardware_type,
        actual_device,
        device_name,
        sequence_length,
        image_size,
        audio_seconds,
        status,
        error_type,
        error_message,
        latency_mean_ms,
        latency_p50_ms,
        latency_p90_ms,
        latency_p95_ms,
        latency_p99_ms,
        latency_min_ms,
        latency_max_ms,
        latency_stdev_ms,
        percentiles_note,
        throughput_tokens_per_second,
        memory_reserved_mb,
        memory_method,
        model_build_seconds,
        weights_source,
        parameter_count,
        host,
        os,
        python_version,
        torch_version,
        transformers_version,
        cuda_version,
        rocm_version,
        driver_version,
        cpu_model,
        num_threads,
        measured_at,
        result_source,
        source_path,
        source_shape,
        source_details,
        latencies_ms,
        -- a configuration: model x hardware type x precision x batch size x input size, and for
        -- a generation its kind, input and output length and backend (only then, so forward
        -- ids stay what they were). Legacy web results without a batch size have none (they
        -- are never a configuration).
        case
            when batch_size is null then null
            when benchmark_kind = 'generate'
                then {{ stable_id([
                    'model_name', 'requested_hardware_type', 'precision', 'batch_size',
                    'sequence_length', 'image_size', 'audio_seconds',
                    'benchmark_kind', 'input_length', 'output_length', 'backend',
                ]) }}
            else {{ stable_id([
                'model_name', 'requested_hardware_type', 'precision', 'batch_size',
                'sequence_length', 'image_size', 'audio_seconds',
            ]) }}
        end as configuration_id,
        latency_cv,
        timed_seconds,
        memory_peak_rss_mb,
        memory_baseline_rss_mb,
        memory_loaded_mb,
        memory_inference_growth_mb,
        isolation,
        load_avg_1m_before,
        load_avg_1m_after,
        process_cpu_seconds,
        other_cpu_seconds,
        quality,
        quality_reason,
        num_interop_threads,
        host_cpu_count,
        host_physical_cores,
        float32_matmul_precision,
        cuda_matmul_allow_tf32,
        cudnn_allow_tf32,
        onednn_enabled,
        benchdb_version,
        -- generation (docs/generation.md): NULL for forward rows
        coalesce(benchmark_kind, 'forward') as benchmark_kind,
        coalesce(backend, 'eager') as backend,
        input_length,
        output_length,
        generated_tokens,
        model_class,
        ttft_mean_ms,
        ttft_p50_ms,
        ttft_p90_ms,
        tpot_mean_ms,
        tpot_p50_ms,
        tpot_p90_ms,
        e2e_latency_mean_ms,
        e2e_latency_p50_ms,
        e2e_latency_p90_ms,
        e2e_latency_cv,
        decode_tokens_per_second,
        total_tokens_per_second,
        compile_seconds,
        ttft_ms,
        tpot_ms,
        e2e_latencies_ms,
        current_timestamp as loaded_at
    from results

)

select * from final
