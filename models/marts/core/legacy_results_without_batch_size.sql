{#- Legacy performance results that never recorded a batch size (web platform results, shapes
    J and K): the same columns as performance_results. They are kept here rather than in
    performance_results, whose rows (and the reporting marts built on them) are keyed on a
    batch size; a batch size is never guessed. -#}
with

results as (

    select * from {{ ref('int_legacy_benchmark_results_deduplicated') }}
    where batch_size is null

),

final as (

    select
        result_id,
        run_id,
        {{ stable_id(['model_name']) }} as model_id,
        {{ stable_id(['requested_hardware_type', 'device_name']) }} as hardware_id,
        'inference_forward' as test_case,
        batch_size,
        precision,
        total_seconds as total_time_seconds,
        latency_mean_ms as average_latency_ms,
        throughput_items_per_second,
        memory_peak_mb,
        iterations,
        warmup_iterations,
        measured_at as created_at,
        is_simulated,
        simulation_reason,
        simulation_method,
        model_name,
        modality,
        requested_hardware_type as hardware_type,
        device_name,
        case
            when status in ('completed', 'failed', 'timeout') then status else 'unknown'
        end as status,
        error_message,
        latency_mean_ms,
        measured_at,
        result_source,
        source_path,
        source_shape,
        source_details
    from results

)

select * from final
