{#- One row per generation configuration a runner tried or estimated (`benchdb run --kind
    generate`), as landed, checked against the row and value rules of forward rows
    (docs/landing_zone.md, "Bad rows and values"): `rejection_rule` names the first rule a row
    breaks (int_landing_benchmark_results_checked adds duplicates; rejected_rows lists them, the
    marts leave them out), and a metric that is NaN, infinite, absurd, zero or negative is NULL
    here with its reason in `value_rejections`. Columns shared with benchmark_results keep the
    names stg_landing__benchmark_results gives them, so the two union by name. -#}
{%- set positive_metrics = [
    'ttft_mean_ms', 'ttft_p50_ms', 'ttft_p90_ms', 'tpot_mean_ms', 'tpot_p50_ms', 'tpot_p90_ms',
    'e2e_latency_mean_ms', 'e2e_latency_p50_ms', 'e2e_latency_p90_ms',
    'decode_tokens_per_second', 'total_tokens_per_second', 'memory_peak_mb',
    'memory_peak_rss_mb',
] -%}
{#- the sample lists: one bad sample makes a list unusable, as for forward latencies -#}
{%- set sample_lists = {
    'ttft_ms': 'a sample', 'tpot_ms': 'a sample', 'e2e_latencies_ms': 'a sample',
} -%}
with

source as (

    select * from {{ read_landing('generation_results') }}

),

renamed as (

    select

        ----------  ids
        -- the landed row: its file and position (ids inside may repeat: a copied file)
        {{ stable_id(['source_file', 'file_row_number']) }} as landed_row_id,
        result_id,
        run_id,

        ----------  strings
        lower(benchmark_kind) as benchmark_kind,
        model_name,
        model_family,
        modality,
        weights_source,
        model_class,
        hardware_type as requested_hardware_type,
        device as actual_device,
        device_name,
        precision,
        lower(backend) as backend,
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
        input_length,
        output_length,
        generated_tokens,
        warmup_iterations,
        iterations,
        min_iterations,
        min_duration_seconds,
        ttft_ms,
        tpot_ms,
        e2e_latencies_ms,
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
        memory_peak_mb,
        memory_reserved_mb,
        memory_peak_rss_mb,
        memory_baseline_rss_mb,
        memory_loaded_mb,
        memory_inference_growth_mb,
        model_build_seconds,
        compile_seconds,
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
        {{ star_replace(landed_result_replaced(positive_metrics, sample_lists)) }}
            {{- landed_result_values(positive_metrics, sample_lists) }}
        {{ end_star_replace() }},
        -- the first row rule the row breaks: the row is left out
        {{ first_rejection(landed_result_row_rules(
            kind_rules=[rule(
                "coalesce(benchmark_kind, '') != 'generate'",
                "'vocabulary: benchmark_kind must be generate in generation_results'",
                'benchmark_kind',
            )],
            size_rules=[
                rule('input_length is null or input_length < 1',
                    "'range: input_length must be given, 1 or more'", 'input_length'),
                rule('output_length is null or output_length < 1',
                    "'range: output_length must be given, 1 or more'", 'output_length'),
                rule("backend is null or backend not in ('eager', 'compile')",
                    "'vocabulary: backend must be one of eager, compile'", 'backend'),
            ],
        )) }} as row_rejection,
        -- the values set to NULL above, each with its reason: the row stays
        {{ landed_result_value_rejections(positive_metrics, sample_lists) }} as value_rejections
    from renamed

),

final as (

    select
        {{ star_except() }} (row_rejection),
        {{ rejection_columns('row_rejection') }}
    from checked

)

select * from final
