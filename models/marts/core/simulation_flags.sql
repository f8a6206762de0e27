{#- Every performance result flagged as not a measurement, with its evidence, so a user can
    audit each flag: the method (device fallback, legacy evidence, a manual mark, an estimate),
    the reason in words, and for a device fallback the CPU result it matches, both latencies,
    the ratios and which further evidence held.

    Incremental (macros/incremental.sql): a build writes the flags of the rows checked since it
    last ran, after removing those rows' old flags (a row can lose its flag, e.g. when a
    hardware mark is lifted). -#}
{{ config(
    materialized=incremental_or_table(),
    unique_key='result_id',
    incremental_strategy='delete+insert',
    pre_hook="{% if is_incremental() %}
        delete from {{ this }} where result_id in (
            select result_id from {{ ref('int_benchmark_results_fallback_checked') }}
            where loaded_at > (select max(loaded_at) from {{ this }})
        )
    {% endif %}",
) }}
{%- set watermark = incremental_watermark() %}

with

results as (

    select * from {{ ref('int_benchmark_results_fallback_checked') }}

),

flagged as (

    select * from results
    where is_simulated and {{ newer_than_watermark('loaded_at', watermark) }}

),

cpu_results as (

    select
        result_id,
        latency_mean_ms,
        model_build_seconds,
        measured_at
    from results

),

final as (

    select
        flagged.result_id,
        flagged.run_id,
        flagged.result_source,
        flagged.source_path,
        flagged.model_name,
        flagged.requested_hardware_type as hardware_type,
        flagged.precision,
        flagged.batch_size,
        flagged.sequence_length,
        flagged.image_size,
        flagged.audio_seconds,
        flagged.status,
        case
            when flagged.is_device_fallback then 'device fallback'
            when flagged.simulation_method like 'roofline%' then 'estimate'
            when flagged.simulation_reason like 'result marked simulated%' then 'result mark'
            when flagged.simulation_reason like 'hardware % marked simulated%' then 'hardware mark'
            when flagged.result_source = 'legacy' then 'legacy evidence'
            else 'runner flag'
        end as flag_kind,
        flagged.simulation_method,
        flagged.simulation_reason,
        flagged.is_device_fallback,
        flagged.fallback_cpu_result_id,
        flagged.latency_mean_ms,
        cpu_results.latency_mean_ms as cpu_latency_mean_ms,
        flagged.fallback_latency_ratio,
        flagged.fallback_median_latency_ratio,
        flagged.model_build_seconds,
        cpu_results.model_build_seconds as cpu_model_build_seconds,
        flagged.fallback_has_equal_load_times,
        flagged.fallback_has_near_zero_device_memory,
        flagged.fallback_has_overlapping_timestamps,
        flagged.measured_at,
        cpu_results.measured_at as cpu_measured_at,
        current_timestamp as loaded_at
    from flagged
    left join cpu_results
        on flagged.fallback_cpu_result_id = cpu_results.result_id

)

select * from final
