{#- History over time per configuration: every completed result in the order it was measured.
    Measurements and estimates are two series of one configuration, never one: an estimate is
    labelled (result_kind 'estimate', 'estimate' in configuration_label, so a chart draws it
    apart), its change columns are NULL, and a measurement's change is against the previous
    measurement only, so an estimate after measurements is never a "latency change". is_latest
    marks the measurement that stands for the configuration in rpt_latest_results (its rule, not
    a second one); an estimate is never the latest point of a history.

    Incremental (macros/incremental.sql): a build writes again the history of every
    configuration that has a result written since this model last ran, and only those. -#}
{{ config(
    materialized='incremental',
    unique_key='configuration_id',
    incremental_strategy='delete+insert',
) }}
{%- set watermark = incremental_watermark() %}

with

results as (

    -- a configuration is keyed on its batch size: legacy web results without one stay out
    select * exclude (loaded_at) from {{ ref('performance_results') }}
    where
        status = 'completed'
        and configuration_id is not null
        and (
            {{ watermark is none }}
            or configuration_id in (
                select changed.configuration_id from {{ ref('performance_results') }} as changed
                where {{ newer_than_watermark('changed.loaded_at', watermark) }}
            )
        )

),

latest as (

    select * from {{ ref('rpt_latest_results') }}

),

sequenced as (

    select
        *,
        case when is_simulated then 'estimate' else 'measured' end as result_kind,
        row_number() over kind_in_time as result_number,
        count(*) over configuration_kind as results_in_configuration,
        lag(throughput_items_per_second) over kind_in_time
            as previous_throughput_items_per_second,
        lag(latency_p50_ms) over kind_in_time as previous_latency_p50_ms
    from results
    window
        configuration_kind as (
            partition by
                model_name, hardware_type, precision, batch_size,
                sequence_length, image_size, audio_seconds, benchmark_kind, input_length,
                output_length, backend, is_simulated
        ),
        kind_in_time as (
            configuration_kind order by measured_at asc nulls first, result_id asc
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
        'batch ' || sequenced.batch_size || ', '
        || coalesce(sequenced.precision, 'precision unknown') || ', ' || latest.input_label
        || case when sequenced.is_simulated then ', estimate' else '' end
            as configuration_label,
        sequenced.result_kind,
        sequenced.simulation_reason,
        sequenced.torch_version,
        sequenced.host,
        sequenced.quality,

        -- numerics
        sequenced.batch_size,
        sequenced.sequence_length,
        sequenced.image_size,
        sequenced.audio_seconds,
        sequenced.benchmark_kind,
        sequenced.input_length,
        sequenced.output_length,
        sequenced.backend,
        cast(sequenced.result_number as integer) as result_number,
        cast(sequenced.results_in_configuration as integer) as results_in_configuration,
        sequenced.latency_p50_ms,
        sequenced.latency_p90_ms,
        sequenced.latency_p95_ms,
        sequenced.latency_p99_ms,
        sequenced.throughput_items_per_second,
        sequenced.memory_peak_mb,
        sequenced.ttft_p50_ms,
        sequenced.tpot_p50_ms,
        sequenced.decode_tokens_per_second,
        case
            when not sequenced.is_simulated then sequenced.previous_throughput_items_per_second
        end as previous_throughput_items_per_second,
        case
            when not sequenced.is_simulated
                then
                    100.0 * (
                        sequenced.throughput_items_per_second
                        / sequenced.previous_throughput_items_per_second
                        - 1
                    )
        end as throughput_change_pct,
        case
            when not sequenced.is_simulated
                then 100.0 * (sequenced.latency_p50_ms / sequenced.previous_latency_p50_ms - 1)
        end as latency_p50_change_pct,

        -- booleans
        standing.result_id is not null and not sequenced.is_simulated as is_latest,
        sequenced.is_simulated,

        -- timestamps
        sequenced.measured_at,
        current_timestamp as loaded_at
    from sequenced
    left join latest on sequenced.configuration_id = latest.configuration_id
    left join latest as standing on sequenced.result_id = standing.result_id

)

select * from final
