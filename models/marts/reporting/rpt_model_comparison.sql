{#- Models side by side on a hardware type: every completed configuration's standing result with
    the model's size, and how it stands against the fastest model at the same hardware type,
    precision and batch size, and which model is best there for each metric (a measurement beats
    an estimate). Models are compared at the input size they were measured with. -#}
with

latest as (

    select * from {{ ref('rpt_latest_results') }}
    -- forward passes: a generation's numbers are rpt_generation_results'
    where status = 'completed' and coalesce(benchmark_kind, 'forward') = 'forward'

),

models as (

    select * from {{ ref('models') }}

),

compared as (

    select
        latest.*,
        models.parameters_million,
        max(latest.throughput_items_per_second) over same_setting
            as best_throughput_items_per_second,
        min(latest.latency_p50_ms) over same_setting as best_latency_p50_ms,
        rank() over (
            same_setting order by latest.throughput_items_per_second desc nulls last
        ) as throughput_rank,
        -- the best model of the setting: a measurement before any estimate
        rank() over (
            same_setting
            order by latest.is_simulated asc, latest.throughput_items_per_second desc nulls last
        ) as throughput_preference,
        rank() over (
            same_setting order by latest.is_simulated asc, latest.latency_p50_ms asc nulls last
        ) as latency_preference,
        rank() over (
            same_setting order by latest.is_simulated asc, latest.memory_peak_mb asc nulls last
        ) as memory_preference
    from latest
    left join models on latest.model_id = models.model_id
    window same_setting as (
        partition by latest.hardware_type, latest.precision, latest.batch_size
    )

),

final as (

    select
        -- ids
        configuration_id,
        result_id,

        -- configuration
        hardware_type,
        device_name,
        model_name,
        model_family,
        modality,
        precision,
        batch_size,
        sequence_length,
        image_size,
        audio_seconds,
        input_label,
        model_name || ' (' || input_label || ')' as model_label,

        -- numerics
        parameters_million,
        latency_p50_ms,
        latency_p90_ms,
        latency_p95_ms,
        latency_p99_ms,
        throughput_items_per_second,
        memory_peak_mb,
        throughput_items_per_second / best_throughput_items_per_second
            as throughput_vs_fastest,
        latency_p50_ms / best_latency_p50_ms as latency_p50_vs_fastest,
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
