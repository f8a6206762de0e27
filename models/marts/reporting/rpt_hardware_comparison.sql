{#- Hardware side by side for a model: every completed configuration's standing result, with
    the same model, precision, batch size and input on the CPU as the baseline, the rank of
    each hardware type within that configuration, and which hardware type is best there for each
    metric (a measurement beats an estimate). Hardware with no completed result is absent. -#}
with

latest as (

    select * from {{ ref('rpt_latest_results') }}
    -- forward passes: a generation's numbers are rpt_generation_results'
    where status = 'completed' and coalesce(benchmark_kind, 'forward') = 'forward'

),

compared as (

    select
        *,
        max(case when hardware_type = 'cpu' then throughput_items_per_second end)
            over same_configuration as cpu_throughput_items_per_second,
        max(case when hardware_type = 'cpu' then latency_p50_ms end)
            over same_configuration as cpu_latency_p50_ms,
        max(case when hardware_type = 'cpu' then memory_peak_mb end)
            over same_configuration as cpu_memory_peak_mb,
        count(*) over same_configuration as hardware_types_compared,
        rank() over (
            same_configuration order by throughput_items_per_second desc nulls last
        ) as throughput_rank,
        -- the best hardware type of the configuration: a measurement before any estimate
        rank() over (
            same_configuration
            order by is_simulated asc, throughput_items_per_second desc nulls last
        ) as throughput_preference,
        rank() over (
            same_configuration order by is_simulated asc, latency_p50_ms asc nulls last
        ) as latency_preference,
        rank() over (
            same_configuration order by is_simulated asc, memory_peak_mb asc nulls last
        ) as memory_preference
    from latest
    window same_configuration as (
        partition by model_name, precision, batch_size, sequence_length, image_size, audio_seconds
    )

),

final as (

    select
        -- ids
        configuration_id,
        result_id,

        -- configuration
        model_name,
        modality,
        hardware_type,
        device_name,
        precision,
        batch_size,
        sequence_length,
        image_size,
        audio_seconds,
        input_label,
        'batch ' || batch_size || ', ' || input_label as configuration_label,

        -- numerics
        latency_p50_ms,
        latency_p90_ms,
        latency_p95_ms,
        latency_p99_ms,
        throughput_items_per_second,
        memory_peak_mb,
        cpu_throughput_items_per_second,
        cpu_latency_p50_ms,
        cpu_memory_peak_mb,
        throughput_items_per_second / cpu_throughput_items_per_second as throughput_vs_cpu,
        latency_p50_ms / cpu_latency_p50_ms as latency_p50_vs_cpu,
        memory_peak_mb / cpu_memory_peak_mb as memory_peak_vs_cpu,
        cast(hardware_types_compared as integer) as hardware_types_compared,
        cast(throughput_rank as integer) as throughput_rank,

        -- booleans
        throughput_preference = 1 and throughput_items_per_second is not null
            as is_best_throughput,
        latency_preference = 1 and latency_p50_ms is not null as is_best_latency,
        memory_preference = 1 and memory_peak_mb is not null as is_best_memory,
        is_simulated,
        simulation_reason,

        -- timestamps
        measured_at
    from compared

)

select * from final
