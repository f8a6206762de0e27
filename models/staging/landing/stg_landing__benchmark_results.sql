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

)

select * from renamed
