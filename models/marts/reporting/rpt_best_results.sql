{#- The best result per model x hardware type x metric, the one answer every surface reads.
    From the completed standing results (rpt_latest_results), a measurement always beats an
    estimate: estimates are candidates only where nothing of that model on that hardware type
    was measured, and then the row says is_simulated. Throughput: the highest wins; p50
    latency and peak memory: the lowest. Ties go to the newest, then the configuration id. -#}
with

latest as (

    select * from {{ ref('rpt_latest_results') }}
    -- forward passes: a generation's numbers are rpt_generation_results'
    where status = 'completed' and coalesce(benchmark_kind, 'forward') = 'forward'

),

counted as (

    select
        *,
        count_if(not is_simulated) over model_on_hardware as configurations_measured,
        count_if(is_simulated) over model_on_hardware as configurations_estimated
    from latest
    window model_on_hardware as (partition by model_name, hardware_type)

),

candidates as (

    -- an estimate stands in only where nothing of this model on this hardware was measured
    select * from counted
    where not is_simulated or configurations_measured = 0

),

metric_values as (

    select
        *,
        'throughput_items_per_second' as metric,
        throughput_items_per_second as value,  -- noqa: RF04
        true as is_higher_better
    from candidates
    where throughput_items_per_second is not null

    union all

    select
        *,
        'latency_p50_ms' as metric,
        latency_p50_ms as value,  -- noqa: RF04
        false as is_higher_better
    from candidates
    where latency_p50_ms is not null

    union all

    select
        *,
        'memory_peak_mb' as metric,
        memory_peak_mb as value,  -- noqa: RF04
        false as is_higher_better
    from candidates
    where memory_peak_mb is not null

),

best as (

    select * from metric_values
    qualify
        row_number() over (
            partition by model_name, hardware_type, metric
            order by
                case when is_higher_better then -value else value end asc,
                measured_at desc nulls last,
                configuration_id asc
        ) = 1

),

final as (

    select
        -- ids
        {{ stable_id(['model_name', 'hardware_type', 'metric']) }} as best_result_id,
        model_id,
        hardware_id,
        configuration_id,
        result_id,

        -- strings
        model_name,
        model_family,
        modality,
        hardware_type,
        device_name,
        metric,
        precision,
        input_label,
        'batch ' || batch_size || ', ' || precision || ', ' || input_label as configuration_label,
        simulation_reason,

        -- numerics
        value,
        batch_size,
        sequence_length,
        image_size,
        audio_seconds,
        latency_p90_ms,
        latency_p99_ms,
        cast(configurations_measured as integer) as configurations_measured,
        cast(configurations_estimated as integer) as configurations_estimated,

        -- booleans
        is_simulated,
        is_higher_better,

        -- timestamps
        measured_at
    from best

)

select * from final
