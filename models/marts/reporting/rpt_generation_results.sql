{#- Generation benchmarks, one row per generation configuration (model x hardware type x
    precision x backend x batch size x input length x output length): the result that stands
    for it, by rpt_latest_results' rule (a completed result before a failed attempt, a
    measurement before an estimate, then the newest). TTFT, TPOT and end-to-end latency as
    p50 / p90 (NULL where too few samples: performance_results' sufficiency rule), decode and
    total tokens per second, and whether the row is an estimate. The charts `benchdb chart
    ttft-vs-input-length` and `tokens-per-second-vs-batch` read it. -#}
with

latest as (

    select * from {{ ref('rpt_latest_results') }}
    where benchmark_kind = 'generate'

),

final as (

    select
        -- ids
        configuration_id,
        result_id,
        run_id,

        -- configuration
        model_name,
        model_family,
        hardware_type,
        device_name,
        precision,
        backend,
        batch_size,
        input_length,
        output_length,
        'batch ' || batch_size || ', ' || coalesce(precision, 'precision unknown') || ', in '
        || input_length || ' / out ' || output_length || ' tokens, ' || backend
        || case when is_simulated then ', estimate' else '' end as configuration_label,

        -- outcome
        status,
        error_message,
        is_simulated,
        simulation_reason,
        quality,

        -- numerics
        ttft_p50_ms,
        ttft_p90_ms,
        tpot_p50_ms,
        tpot_p90_ms,
        e2e_latency_p50_ms,
        decode_tokens_per_second,
        total_tokens_per_second,
        memory_peak_mb,
        iterations,
        attempts,
        measured_attempts,

        -- timestamps
        measured_at,
        current_timestamp as loaded_at
    from latest

)

select * from final
