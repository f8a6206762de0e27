{#- The evidence behind simulation_accuracy: one row per configuration whose standing
    measurement (rpt_latest_results) was estimated beside it in the same run (`benchdb run
    --also-estimate`). The measured side is rpt_latest_results' rule, not a second one. The
    estimate cannot come from there: a measurement always stands before an estimate of the same
    configuration, so the estimate is the roofline row of the measurement's own run (one per
    configuration and run).

    Per row: the roofline time alone (max of compute and memory time, from the estimate's
    simulation_method), the residual measured - roofline (what a fixed overhead has to explain),
    and the leave-one-out test of the overhead: fitted on the device's other rows only (median
    residual, at least 0), added to this row's roofline time, compared with this row's
    measurement.

    Generations (benchmark_kind 'generate', `benchdb run --kind generate --also-estimate`)
    are rows too, compared on the decode step: measured and estimated TPOT (p50) stand in the
    latency columns, the roofline is the estimate's tpot_roofline_ms, and TTFT is compared
    beside it (measured_ttft_ms, estimated_ttft_ms, ttft_ratio). The leave-one-out fit uses
    rows of the same kind only. -#}
with

measured as (

    select * from {{ ref('rpt_latest_results') }}
    where status = 'completed' and not is_simulated and latency_mean_ms > 0

),

estimates as (

    select
        *,
        try_cast(
            substr(simulation_method, strpos(simulation_method, '{')) as json
        ) as method_inputs
    from {{ ref('performance_results') }}
    where
        status = 'completed'
        and is_simulated
        and simulation_method like 'roofline-%'
        and latency_mean_ms > 0

),

paired as (

    select
        measured.result_id as measured_result_id,
        estimates.result_id as estimate_result_id,
        measured.configuration_id,
        measured.run_id,
        measured.model_name,
        measured.model_family,
        measured.hardware_type,
        measured.precision,
        measured.batch_size,
        measured.input_label,
        measured.device_name as measured_device_name,
        estimates.device_name as estimated_with_device,
        measured.latency_mean_ms as measured_latency_ms,
        estimates.latency_mean_ms as estimated_latency_ms,
        greatest(
            cast(json_extract(estimates.method_inputs, '$.compute_ms') as double),
            cast(json_extract(estimates.method_inputs, '$.memory_ms') as double)
        ) as roofline_ms,
        cast(json_extract(estimates.method_inputs, '$.fixed_overhead_ms') as double)
            as estimate_overhead_ms,
        'forward' as benchmark_kind,
        cast(null as double) as measured_ttft_ms,
        cast(null as double) as estimated_ttft_ms
    from measured
    inner join estimates
        on
            measured.run_id = estimates.run_id
            and measured.model_name = estimates.model_name
            and measured.hardware_type = estimates.hardware_type
            and measured.precision is not distinct from estimates.precision
            and measured.batch_size = estimates.batch_size
            and measured.sequence_length is not distinct from estimates.sequence_length
            and measured.image_size is not distinct from estimates.image_size
            and measured.audio_seconds is not distinct from estimates.audio_seconds
    -- one estimate per configuration and run (a run estimates each configuration once)
    qualify
        row_number() over (partition by measured.result_id order by estimates.result_id) = 1

),

generation_measured as (

    select * from {{ ref('rpt_latest_results') }}
    where
        benchmark_kind = 'generate'
        and status = 'completed'
        and not is_simulated
        and tpot_p50_ms > 0

),

generation_estimates as (

    select
        *,
        try_cast(
            substr(simulation_method, strpos(simulation_method, '{')) as json
        ) as method_inputs
    from {{ ref('performance_results') }}
    where
        benchmark_kind = 'generate'
        and status = 'completed'
        and is_simulated
        and simulation_method like 'roofline-generate-%'
        and tpot_p50_ms > 0

),

generation_paired as (

    -- the same configuration (its generation key) estimated in the measurement's own run
    select
        measured.result_id as measured_result_id,
        estimates.result_id as estimate_result_id,
        measured.configuration_id,
        measured.run_id,
        measured.model_name,
        measured.model_family,
        measured.hardware_type,
        measured.precision,
        measured.batch_size,
        measured.input_label,
        measured.device_name as measured_device_name,
        estimates.device_name as estimated_with_device,
        measured.tpot_p50_ms as measured_latency_ms,
        estimates.tpot_p50_ms as estimated_latency_ms,
        cast(json_extract(estimates.method_inputs, '$.tpot_roofline_ms') as double)
            as roofline_ms,
        cast(json_extract(estimates.method_inputs, '$.fixed_overhead_ms') as double)
            as estimate_overhead_ms,
        'generate' as benchmark_kind,
        measured.ttft_p50_ms as measured_ttft_ms,
        estimates.ttft_p50_ms as estimated_ttft_ms
    from generation_measured as measured
    inner join generation_estimates as estimates
        on
            measured.run_id = estimates.run_id
            and measured.configuration_id = estimates.configuration_id
    qualify
        row_number() over (partition by measured.result_id order by estimates.result_id) = 1

),

with_residual as (

    select
        *,
        measured_latency_ms - roofline_ms as residual_ms
    from paired
    where roofline_ms > 0

    union all by name

    select
        *,
        measured_latency_ms - roofline_ms as residual_ms
    from generation_paired
    where roofline_ms > 0

),

left_out as (

    -- each row's overhead fitted on the other rows of the same catalog device
    select
        one.measured_result_id,
        greatest(median(other.residual_ms), 0) as left_out_overhead_ms,
        count(*) as left_out_fit_rows
    from with_residual as one
    inner join with_residual as other
        on
            one.hardware_type = other.hardware_type
            and one.estimated_with_device = other.estimated_with_device
            and one.benchmark_kind is not distinct from other.benchmark_kind
            and one.measured_result_id != other.measured_result_id
    group by one.measured_result_id

),

final as (

    select
        -- ids
        with_residual.measured_result_id,
        with_residual.estimate_result_id,
        with_residual.configuration_id,
        with_residual.run_id,

        -- strings
        with_residual.model_name,
        with_residual.model_family,
        with_residual.hardware_type,
        with_residual.precision,
        with_residual.input_label,
        with_residual.measured_device_name,
        with_residual.estimated_with_device,
        with_residual.benchmark_kind,

        -- numerics
        with_residual.batch_size,
        with_residual.measured_latency_ms,
        with_residual.estimated_latency_ms,
        with_residual.estimate_overhead_ms,
        with_residual.roofline_ms,
        with_residual.residual_ms,
        with_residual.estimated_latency_ms / with_residual.measured_latency_ms
            as estimated_ratio,
        cast(left_out.left_out_fit_rows as integer) as left_out_fit_rows,
        left_out.left_out_overhead_ms,
        with_residual.roofline_ms + left_out.left_out_overhead_ms as left_out_predicted_ms,
        (with_residual.roofline_ms + left_out.left_out_overhead_ms)
        / with_residual.measured_latency_ms as left_out_ratio,
        with_residual.measured_ttft_ms,
        with_residual.estimated_ttft_ms,
        with_residual.estimated_ttft_ms / with_residual.measured_ttft_ms as ttft_ratio
    from with_residual
    left join left_out
        on with_residual.measured_result_id = left_out.measured_result_id

)

select * from final
