{#- Batch-size scaling: for each model, hardware type, precision and input size, every batch
    size's standing result against the smallest batch size measured. scaling_efficiency is the
    throughput gain divided by the batch growth: 1.0 means throughput grew as fast as the batch. -#}
with

latest as (

    select * from {{ ref('rpt_latest_results') }}
    -- forward passes: a generation's numbers are rpt_generation_results'
    where status = 'completed' and coalesce(benchmark_kind, 'forward') = 'forward'

),

scaled as (

    select
        *,
        first_value(batch_size) over series as smallest_batch_size,
        first_value(throughput_items_per_second) over series
            as smallest_batch_throughput_items_per_second,
        count(*) over series as batch_sizes_measured
    from latest
    window series as (
        partition by
            model_name, hardware_type, precision, sequence_length, image_size, audio_seconds
        order by batch_size
        rows between unbounded preceding and unbounded following
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
        input_label,
        sequence_length,
        image_size,
        audio_seconds,
        batch_size,
        smallest_batch_size,

        -- numerics
        latency_p50_ms,
        latency_p90_ms,
        latency_p95_ms,
        latency_p99_ms,
        latency_p50_ms / batch_size as latency_p50_per_item_ms,
        throughput_items_per_second,
        memory_peak_mb,
        throughput_items_per_second / smallest_batch_throughput_items_per_second
            as throughput_vs_smallest_batch,
        (throughput_items_per_second / smallest_batch_throughput_items_per_second)
        / (batch_size / smallest_batch_size) as scaling_efficiency,
        cast(batch_sizes_measured as integer) as batch_sizes_measured,

        -- booleans
        is_simulated,
        simulation_reason,

        -- timestamps
        measured_at
    from scaled

)

select * from final
