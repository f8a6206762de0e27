{#- One row per configuration (model x hardware type x precision x batch size x input size, and
    for a generation its input and output length and backend: configuration_id):
    the result that stands for it. A completed result beats a failed attempt, a measurement
    beats an estimate (is_simulated), and among equals the newest wins, so a later simulated
    row never hides an earlier measurement. The latest attempt's own status is kept beside it.

    Incremental (macros/incremental.sql): a build ranks again every configuration that has a
    result written since this model last ran. -#}
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
        configuration_id is not null
        and (
            {{ watermark is none }}
            or configuration_id in (
                select changed.configuration_id from {{ ref('performance_results') }} as changed
                where {{ newer_than_watermark('changed.loaded_at', watermark) }}
            )
        )

),

ranked as (

    select
        *,
        row_number() over (
            partition by configuration_id
            order by
                status = 'completed' desc,
                is_simulated asc,
                measured_at desc nulls last,
                result_id asc
        ) as preference_rank,
        count(*) over configuration as attempts,
        count_if(status = 'completed') over configuration as completed_attempts,
        count_if(status = 'completed' and not is_simulated) over configuration
            as measured_attempts,
        arg_max(status, measured_at) over configuration as latest_attempt_status,
        max(measured_at) over configuration as latest_attempt_at
    from results
    window configuration as (partition by configuration_id)

),

chosen as (

    select * from ranked
    where preference_rank = 1

),

final as (

    select
        -- ids
        configuration_id,
        result_id,
        run_id,
        model_id,
        hardware_id,

        -- configuration
        model_name,
        model_family,
        modality,
        hardware_type,
        device_name,
        precision,
        batch_size,
        sequence_length,
        image_size,
        audio_seconds,
        benchmark_kind,
        input_length,
        output_length,
        backend,
        coalesce(
            nullif(
                concat_ws(
                    ', ',
                    case
                        when benchmark_kind = 'generate'
                            then
                                'generate in ' || input_length || ' / out ' || output_length
                                || ' tokens, ' || backend
                    end,
                    case when image_size is not null then image_size || ' px' end,
                    case
                        when audio_seconds is not null
                            then format('{:g} s audio', audio_seconds)
                    end,
                    case when sequence_length is not null then 'seq ' || sequence_length end
                ),
                ''
            ),
            'default input'
        ) as input_label,

        -- outcome
        status,
        error_type,
        error_message,
        is_simulated,
        simulation_reason,
        quality,

        -- numerics
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
        ttft_p50_ms,
        ttft_p90_ms,
        tpot_p50_ms,
        tpot_p90_ms,
        e2e_latency_p50_ms,
        decode_tokens_per_second,
        total_tokens_per_second,
        iterations,
        cast(attempts as integer) as attempts,
        cast(completed_attempts as integer) as completed_attempts,
        cast(measured_attempts as integer) as measured_attempts,

        -- strings about the latest attempt
        latest_attempt_status,

        -- timestamps
        measured_at,
        latest_attempt_at,
        current_timestamp as loaded_at
    from chosen

)

select * from final
