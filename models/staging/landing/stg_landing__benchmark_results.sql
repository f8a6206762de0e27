{#- One row per configuration a runner tried, as landed, checked against the row and value
    rules (docs/landing_zone.md, "Bad rows and values"): `rejection_rule` names the first rule
    a row breaks (int_landing_benchmark_results_checked adds duplicates; rejected_rows lists
    them, the marts leave them out), and a metric that is NaN, infinite, absurd, zero or
    negative is NULL here with its reason in `value_rejections`. -#}
{%- set positive_metrics = [
    'latency_mean_ms', 'latency_p50_ms', 'latency_p90_ms', 'latency_p95_ms', 'latency_p99_ms',
    'latency_min_ms', 'latency_max_ms', 'throughput_items_per_second',
    'throughput_tokens_per_second', 'memory_peak_mb', 'memory_peak_rss_mb',
] -%}
{#- the stored percentiles, in the order their values must follow -#}
{%- set percentiles = ['latency_p50_ms', 'latency_p90_ms', 'latency_p95_ms', 'latency_p99_ms'] -%}
{#- the per-iteration latencies: one bad sample makes the list unusable -#}
{%- set sample_lists = {'latencies_ms': 'an iteration latency'} -%}
with

source as (

    select * from {{ read_landing('benchmark_results') }}

),

renamed as (

    select

        ----------  ids
        -- the landed row: its file and position (ids inside may repeat: a copied file)
        {{ stable_id(['source_file', 'file_row_number']) }} as landed_row_id,
        result_id,
        run_id,

        ----------  strings
        model_name,
        model_family,
        modality,
        weights_source,
        hardware_type as requested_hardware_type,
        device as actual_device,
        device_name,
        precision,
        lower(status) as status,
        error_type,
        error_message,
        memory_method,
        simulation_reason,
        simulation_method,
        input_shapes,
        host,
        os,
        python_version,
        torch_version,
        transformers_version,
        cuda_version,
        rocm_version,
        driver_version,
        cpu_model,
        percentiles_note,
        isolation,
        quality,
        quality_reason,
        float32_matmul_precision,
        benchdb_version,

        ----------  numerics
        schema_version,
        parameter_count,
        device_memory_gb,
        device_compute_units,
        batch_size,
        sequence_length,
        image_size,
        audio_seconds,
        warmup_iterations,
        iterations,
        min_iterations,
        min_duration_seconds,
        latencies_ms,
        latency_mean_ms,
        latency_p50_ms,
        latency_p90_ms,
        latency_p95_ms,
        latency_p99_ms,
        latency_min_ms,
        latency_max_ms,
        latency_stdev_ms,
        latency_cv,
        throughput_items_per_second,
        throughput_tokens_per_second,
        memory_peak_mb,
        memory_reserved_mb,
        memory_peak_rss_mb,
        memory_baseline_rss_mb,
        memory_loaded_mb,
        memory_inference_growth_mb,
        model_build_seconds,
        warmup_seconds,
        timed_seconds,
        total_seconds,
        load_avg_1m_before,
        load_avg_1m_after,
        process_cpu_seconds,
        other_cpu_seconds,
        num_threads,
        num_interop_threads,
        host_cpu_count,
        host_physical_cores,

        ----------  booleans
        coalesce(is_simulated, false) as is_simulated,
        cuda_matmul_allow_tf32,
        cudnn_allow_tf32,
        onednn_enabled,

        ----------  timestamps
        measured_at,
        run_date,

        ----------  lineage
        source_file,
        current_timestamp as loaded_at

    from source

),

checked as (

    select
        {{ star_replace(landed_result_replaced(positive_metrics, sample_lists)) }}
            {{- landed_result_values(positive_metrics, sample_lists) }}
        {{ end_star_replace() }},
        -- the first row rule the row breaks: the row is left out
        {{ first_rejection(landed_result_row_rules(size_rules=[
            rule('sequence_length < 1', "'range: sequence_length must be 1 or more'",
                'sequence_length'),
        ])) }} as row_rejection,
        -- the values set to NULL above, each with its reason: the row stays
        {{ landed_result_value_rejections(positive_metrics, sample_lists) }} as value_rejections
    from renamed

),

-- the order rules below are DuckDB SQL so far: on Spark (docs/spark.md) a summary is not checked
-- for order, and the other rules still hold
-- noqa: disable=LT02
{% if target.type != 'spark' -%}
order_checked as (

    -- a latency summary that contradicts itself (after the rules above): minimum above maximum,
    -- percentiles out of order, a mean or a percentile outside [minimum, maximum]. Which figure
    -- is wrong is unknown, so each contradicting group is NULL and listed in value_rejections
    select
        *,
        coalesce(latency_min_ms > (1 + 1e-9) * latency_max_ms, false) as is_range_inverted,
        coalesce(
            latency_p50_ms > (1 + 1e-9) * latency_p90_ms
            or latency_p50_ms > (1 + 1e-9) * latency_p95_ms
            or latency_p50_ms > (1 + 1e-9) * latency_p99_ms
            or latency_p90_ms > (1 + 1e-9) * latency_p95_ms
            or latency_p90_ms > (1 + 1e-9) * latency_p99_ms
            or latency_p95_ms > (1 + 1e-9) * latency_p99_ms,
            false
        ) as are_percentiles_unordered,
        coalesce(
            latency_min_ms <= latency_max_ms
            and (
                latency_min_ms > (1 + 1e-9) * least(
                    latency_p50_ms, latency_p90_ms, latency_p95_ms, latency_p99_ms
                )
                or greatest(
                    latency_p50_ms, latency_p90_ms, latency_p95_ms, latency_p99_ms
                ) > (1 + 1e-9) * latency_max_ms
            ),
            false
        ) as are_percentiles_outside_range,
        coalesce(
            latency_min_ms <= latency_max_ms
            and (
                latency_min_ms > (1 + 1e-9) * latency_mean_ms
                or latency_mean_ms > (1 + 1e-9) * latency_max_ms
            ),
            false
        ) as is_mean_outside_range
    from checked

),

ordered as (

    select
        * exclude (
            is_range_inverted,
            are_percentiles_unordered,
            are_percentiles_outside_range,
            is_mean_outside_range
        ) replace (
            case when not is_range_inverted then latency_min_ms end as latency_min_ms,
            case when not is_range_inverted then latency_max_ms end as latency_max_ms,
            case when not is_mean_outside_range then latency_mean_ms end as latency_mean_ms,
            {%- for percentile in percentiles %}
            case
                when not (are_percentiles_unordered or are_percentiles_outside_range)
                    then {{ percentile }}
            end as {{ percentile }},
            {%- endfor %}
            list_concat(
                value_rejections,
                case
                    when is_range_inverted
                        then [
                            {%- for column in ['latency_min_ms', 'latency_max_ms'] %}
                            {{ rejection(
                                "'order: latency_min_ms is above latency_max_ms (which one is "
                                ~ "wrong is unknown: both are NULL)'",
                                column,
                                column,
                            ) }}{{ ',' if not loop.last }}
                            {%- endfor %}
                        ]
                    else []
                end,
                -- each stored percentile of a disordered set, with its value
                list_filter(
                    case
                        when are_percentiles_unordered or are_percentiles_outside_range
                            then [
                                {%- for percentile in percentiles %}
                                {{ rejection(
                                    "case when are_percentiles_unordered then 'order: "
                                    ~ "percentiles not ascending (p50 <= p90 <= p95 <= p99): "
                                    ~ "all are NULL' else 'order: a percentile outside "
                                    ~ "[latency_min_ms ' || cast(latency_min_ms as varchar) "
                                    ~ "|| ', latency_max_ms ' || cast(latency_max_ms as varchar)"
                                    ~ " || ']: all are NULL' end",
                                    percentile,
                                    percentile,
                                ) }}{{ ',' if not loop.last }}
                                {%- endfor %}
                            ]
                        else []
                    end,
                    lambda candidate: struct_extract(candidate, 'reported_value') is not null
                ),
                case
                    when is_mean_outside_range
                        then [{{ rejection(
                            "'order: latency_mean_ms outside [latency_min_ms ' || "
                            ~ "cast(latency_min_ms as varchar) || ', latency_max_ms ' || "
                            ~ "cast(latency_max_ms as varchar) || ']: no mean of those samples'",
                            'latency_mean_ms',
                            'latency_mean_ms',
                        ) }}]
                    else []
                end
            ) as value_rejections
        )
    from order_checked

),

{%- else -%}
ordered as (

    select * from checked

),
{%- endif %}
-- noqa: enable=LT02

final as (

    select
        {{ star_except() }} (row_rejection),
        {{ rejection_columns('row_rejection') }}
    from ordered

)

select * from final
