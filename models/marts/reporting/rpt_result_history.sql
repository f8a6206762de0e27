{#- History over time per configuration: every completed result in the order it was measured,
    with the change against the previous result of the same configuration. is_latest marks the
    result that stands for the configuration in rpt_latest_results (its rule, not a second one). -#}
with

results as (

    -- a configuration is keyed on its batch size: legacy web results without one stay out
    select * from {{ ref('performance_results') }}
    where status = 'completed' and batch_size is not null

),

latest as (

    select * from {{ ref('rpt_latest_results') }}

),

sequenced as (

    select
        *,
        {{ stable_id([
            'model_name', 'hardware_type', 'precision', 'batch_size',
            'sequence_length', 'image_size', 'audio_seconds',
        ]) }} as configuration_id,
        row_number() over configuration_in_time as result_number,
        count(*) over configuration as results_in_configuration,
        lag(throughput_items_per_second) over configuration_in_time
            as previous_throughput_items_per_second,
        lag(latency_p50_ms) over configuration_in_time as previous_latency_p50_ms
    from results
    window
        configuration as (
            partition by
                model_name, hardware_type, precision, batch_size,
                sequence_length, image_size, audio_seconds
        ),
        configuration_in_time as (
            configuration order by measured_at asc nulls first, result_id asc
        )

),

final as (

    select
        -- ids
        sequenced.result_id,
        sequenced.configuration_id,
        sequenced.run_id,

        -- strings
        sequenced.model_name,
        sequenced.hardware_type,
        sequenced.device_name,
        sequenced.precision,
        latest.input_label,
        'batch ' || sequenced.batch_size || ', ' || sequenced.precision || ', '
        || latest.input_label as configuration_label,
        sequenced.simulation_reason,
        sequenced.torch_version,
        sequenced.host,

        -- numerics
        sequenced.batch_size,
        sequenced.sequence_length,
        sequenced.image_size,
        sequenced.audio_seconds,
        cast(sequenced.result_number as integer) as result_number,
        cast(sequenced.results_in_configuration as integer) as results_in_configuration,
        sequenced.latency_p50_ms,
        sequenced.latency_p90_ms,
        sequenced.latency_p95_ms,
        sequenced.latency_p99_ms,
        sequenced.throughput_items_per_second,
        sequenced.memory_peak_mb,
        sequenced.previous_throughput_items_per_second,
        100.0 * (
            sequenced.throughput_items_per_second
            / sequenced.previous_throughput_items_per_second
            - 1
        ) as throughput_change_pct,
        100.0 * (sequenced.latency_p50_ms / sequenced.previous_latency_p50_ms - 1)
            as latency_p50_change_pct,

        -- booleans
        standing.result_id is not null as is_latest,
        sequenced.is_simulated,

        -- timestamps
        sequenced.measured_at
    from sequenced
    left join latest on sequenced.configuration_id = latest.configuration_id
    left join latest as standing on sequenced.result_id = standing.result_id

)

select * from final
