{#- The points regressions are looked for in: one row per measured result and metric. A series
    is one configuration on one device (model, hardware type, device name, precision, batch
    size, input size, benchmark kind, and a generation's input and output length and backend)
    and one metric, in the order it was measured: a generation never shares a series with a
    forward pass. A generation's metrics are TTFT, TPOT (p50) and decode tokens/s. Measured
    rows only: an estimate or a device fallback (is_simulated) is never a point, and neither is
    a result without a time (it cannot be placed in the series). A metric the result lacks
    (NULL) is no point either, never a 0. Each point keeps the environment it was measured in,
    the run's git commit included, so a change can be named (benchdb/regressions.py). -#}
with

results as (

    select * from {{ ref('performance_results') }}
    where
        status = 'completed'
        and not is_simulated
        and batch_size is not null
        and measured_at is not null

),

runs as (

    select * from {{ ref('test_runs') }}

),

latest as (

    -- the input size in words is the configuration's, as on every chart
    select * from {{ ref('rpt_latest_results') }}

),

unpivoted as (

    -- UNPIVOT leaves NULL values out: a missing metric is no point
    unpivot (
        select
            result_id,
            latency_p50_ms,
            throughput_items_per_second,
            memory_peak_mb,
            ttft_p50_ms,
            tpot_p50_ms,
            decode_tokens_per_second
        from results
    )
    on
    latency_p50_ms,
    throughput_items_per_second,
    memory_peak_mb,
    ttft_p50_ms,
    tpot_p50_ms,
    decode_tokens_per_second
    into name metric value metric_value

),

points as (

    select
        results.*,
        unpivoted.metric,
        unpivoted.metric_value,
        runs.git_commit,
        runs.git_is_dirty,
        latest.input_label,
        -- a generation's series adds its lengths and backend; a forward series id is unchanged
        case
            when results.benchmark_kind = 'generate'
                then {{ stable_id([
                    'results.model_name', 'results.hardware_type', 'results.device_name',
                    'results.precision', 'results.batch_size', 'results.sequence_length',
                    'results.image_size', 'results.audio_seconds', 'results.test_case',
                    'unpivoted.metric', 'results.input_length', 'results.output_length',
                    'results.backend',
                ]) }}
            else {{ stable_id([
                'results.model_name', 'results.hardware_type', 'results.device_name',
                'results.precision', 'results.batch_size', 'results.sequence_length',
                'results.image_size', 'results.audio_seconds', 'results.test_case',
                'unpivoted.metric',
            ]) }}
        end as series_id
    from unpivoted
    inner join results on unpivoted.result_id = results.result_id
    left join runs on results.run_id = runs.run_id
    left join latest on results.configuration_id = latest.configuration_id

),

final as (

    select
        -- ids
        {{ stable_id(['result_id', 'metric']) }} as point_id,
        series_id,
        result_id,
        run_id,
        configuration_id,

        -- strings
        metric,
        model_name,
        hardware_type,
        device_name,
        precision,
        test_case as benchmark_kind,
        input_label,
        'batch ' || batch_size || ', ' || coalesce(precision, 'precision unknown') || ', '
        || input_label as configuration_label,
        quality,
        host,
        os,
        cpu_model,
        python_version,
        torch_version,
        transformers_version,
        cuda_version,
        rocm_version,
        driver_version,
        benchdb_version,
        git_commit,
        weights_source,
        isolation,
        float32_matmul_precision,

        -- numerics
        batch_size,
        sequence_length,
        image_size,
        audio_seconds,
        input_length,
        output_length,
        backend,
        metric_value,
        cast(
            row_number() over (partition by series_id order by measured_at, result_id)
            as integer
        ) as point_number,
        num_threads,
        num_interop_threads,
        warmup_iterations,

        -- booleans
        metric in ('throughput_items_per_second', 'decode_tokens_per_second')
            as is_higher_better,
        git_is_dirty,
        cuda_matmul_allow_tf32,
        cudnn_allow_tf32,
        onednn_enabled,

        -- timestamps
        measured_at
    from points

)

select * from final
