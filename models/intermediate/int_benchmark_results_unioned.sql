{#- Every benchmark result, whatever wrote it, in one shape. Runner rows come from the landing
    zone; other sources (legacy JSON) are unioned here with the same columns. -#}
with

runner_results as (

    select * from {{ ref('stg_landing__benchmark_results') }}

),

legacy_results as (

    -- web results (shapes J and K) never recorded a batch size: it stays NULL, never guessed.
    -- A failed configuration has no result: numbers a file states beside a failure (shape K)
    -- stay in source_details, not in the metric columns.
    select
        * replace (
            case when status = 'failed' then null else latency_mean_ms end as latency_mean_ms,
            case
                when status = 'failed' then null else throughput_items_per_second
            end as throughput_items_per_second,
            case when status = 'failed' then null else memory_peak_mb end as memory_peak_mb
        )
    from {{ ref('int_legacy_benchmark_results_deduplicated') }}

),

unioned as (

    select
        result_id,
        run_id,
        'runner' as result_source,
        cast(null as varchar) as source_path,
        cast(null as varchar) as source_shape,
        model_name,
        model_family,
        modality,
        weights_source,
        parameter_count,
        requested_hardware_type,
        actual_device,
        device_name,
        device_memory_gb,
        device_compute_units,
        batch_size,
        sequence_length,
        image_size,
        audio_seconds,
        precision,
        status,
        error_type,
        error_message,
        warmup_iterations,
        iterations,
        latencies_ms,
        latency_mean_ms,
        latency_p50_ms,
        latency_p90_ms,
        latency_p95_ms,
        latency_p99_ms,
        latency_min_ms,
        latency_max_ms,
        latency_stdev_ms,
        throughput_items_per_second,
        throughput_tokens_per_second,
        memory_peak_mb,
        memory_reserved_mb,
        memory_method,
        model_build_seconds,
        total_seconds,
        is_simulated,
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
        num_threads,
        measured_at,
        cast(null as json) as source_details
    from runner_results

    union all

    select
        result_id,
        run_id,
        result_source,
        source_path,
        source_shape,
        model_name,
        model_family,
        modality,
        weights_source,
        parameter_count,
        requested_hardware_type,
        actual_device,
        device_name,
        device_memory_gb,
        device_compute_units,
        batch_size,
        sequence_length,
        image_size,
        audio_seconds,
        precision,
        status,
        error_type,
        error_message,
        warmup_iterations,
        iterations,
        latencies_ms,
        latency_mean_ms,
        latency_p50_ms,
        latency_p90_ms,
        latency_p95_ms,
        latency_p99_ms,
        latency_min_ms,
        latency_max_ms,
        latency_stdev_ms,
        throughput_items_per_second,
        throughput_tokens_per_second,
        memory_peak_mb,
        memory_reserved_mb,
        memory_method,
        model_build_seconds,
        total_seconds,
        is_simulated,
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
        num_threads,
        measured_at,
        source_details
    from legacy_results

)

select * from unioned
