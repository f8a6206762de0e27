{#- The evidence behind simulation_accuracy: one row per metric of a configuration whose
    standing measurement (rpt_latest_results) was estimated beside it in the same run (`benchdb
    run --also-estimate`): a forward pass's mean latency (metric 'latency'), a generation's TPOT
    mean ('tpot', a decode step) and TTFT mean ('ttft', the prefill: a mean is stored
    however few the samples, a p50 is not). The measured side is
    rpt_latest_results' rule, not a second one. The estimate cannot come from there (a
    measurement always stands before an estimate of the same configuration): it is the roofline
    row of the measurement's own run and configuration.

    Per row: the roofline time alone (recorded in the estimate's simulation_method) and the
    leave-one-out test of both calibrations (macros/calibration_fits.sql): each fitted on the
    same device's other rows of the metric only (their sums less this row's terms), applied to
    this row's roofline time, compared with this row's measurement. -#}

{#- paired's columns of one metric each, folded into measured_ms / estimated_ms / roofline_ms -#}
{%- set per_metric_columns = [
    'method_inputs',
    'measured_latency_ms', 'estimated_latency_ms',
    'measured_tpot_ms', 'estimated_tpot_ms',
    'measured_ttft_ms', 'estimated_ttft_ms',
] %}

with

standing as (

    select result_id from {{ ref('rpt_latest_results') }}
    where status = 'completed' and not is_simulated

),

measured as (

    select results.* from {{ ref('performance_results') }} as results
    inner join standing on results.result_id = standing.result_id

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

),

paired as (

    -- the same configuration estimated in the measurement's own run (once per run)
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
        measured.benchmark_kind,
        measured.device_name as measured_device_name,
        measured.quality as measured_quality,
        measured.measured_at,
        estimates.device_name as estimated_with_device,
        estimates.method_inputs,
        measured.latency_mean_ms as measured_latency_ms,
        estimates.latency_mean_ms as estimated_latency_ms,
        measured.tpot_mean_ms as measured_tpot_ms,
        estimates.tpot_mean_ms as estimated_tpot_ms,
        measured.ttft_mean_ms as measured_ttft_ms,
        estimates.ttft_mean_ms as estimated_ttft_ms
    from measured
    inner join estimates
        on
            measured.run_id = estimates.run_id
            and measured.configuration_id = estimates.configuration_id
    qualify
        row_number() over (partition by measured.result_id order by estimates.result_id) = 1

),

metrics as (

    -- one row per metric: measured, estimated as stored, the roofline alone (a forward
    -- estimate recorded before roofline_ms was: the slower of its compute and memory time),
    -- and the calibration the estimate applied
    select
        * exclude ({{ per_metric_columns | join(', ') }}),
        'latency' as metric,
        measured_latency_ms as measured_ms,
        estimated_latency_ms as estimated_ms,
        coalesce(
            cast(method_inputs ->> '$.roofline_ms' as double),
            greatest(
                cast(method_inputs ->> '$.compute_ms' as double),
                cast(method_inputs ->> '$.memory_ms' as double)
            )
        ) as roofline_ms,
        method_inputs ->> '$.calibration.method' as estimate_calibration_method,
        cast(method_inputs ->> '$.calibration.rows' as integer) as estimate_calibration_rows
    from paired
    where benchmark_kind is distinct from 'generate'

    {%- for metric in ['tpot', 'ttft'] %}

        union all by name

        select
            * exclude ({{ per_metric_columns | join(', ') }}),
            '{{ metric }}' as metric,
            measured_{{ metric }}_ms as measured_ms,
            estimated_{{ metric }}_ms as estimated_ms,
            cast(method_inputs ->> '$.{{ metric }}_roofline_ms' as double) as roofline_ms,
            method_inputs ->> '$.{{ metric }}_calibration.method' as estimate_calibration_method,
            cast(
                method_inputs ->> '$.{{ metric }}_calibration.rows' as integer
            ) as estimate_calibration_rows
        from paired
        where benchmark_kind = 'generate'
    {%- endfor %}

),

usable as (

    select
        *,
        ln(measured_ms / roofline_ms) as log_ratio,
        1 / (measured_ms * measured_ms) as weight
    from metrics
    where measured_ms > 0 and roofline_ms > 0

),

sums as (

    -- the sums the fits need, over the device's other rows of the metric (this row left out)
    select
        *,
        count(*) over fit_group - 1 as left_out_n,
        sum(log_ratio) over fit_group - log_ratio as left_out_sum_log_ratio,
        sum(weight) over fit_group - weight as left_out_sw,
        sum(weight * roofline_ms) over fit_group - weight * roofline_ms as left_out_sx,
        sum(weight * measured_ms) over fit_group - weight * measured_ms as left_out_sy,
        sum(weight * roofline_ms * roofline_ms) over fit_group
        - weight * roofline_ms * roofline_ms as left_out_sxx,
        sum(weight * roofline_ms * measured_ms) over fit_group
        - weight * roofline_ms * measured_ms as left_out_sxy
    from usable
    window fit_group as (partition by hardware_type, estimated_with_device, metric)

),

left_out as (

    select
        *,
        {{ calibration_fits('left_out') }}
    from sums

),

final as (

    select
        -- ids
        {{ stable_id(['measured_result_id', 'metric']) }} as accuracy_row_id,
        measured_result_id,
        estimate_result_id,
        configuration_id,
        run_id,

        -- strings
        model_name,
        model_family,
        hardware_type,
        precision,
        benchmark_kind,
        metric,
        measured_device_name,
        estimated_with_device,
        measured_quality,
        estimate_calibration_method,

        -- numerics
        batch_size,
        measured_ms,
        estimated_ms,
        roofline_ms,
        estimated_ms / measured_ms as estimated_ratio,
        roofline_ms / measured_ms as roofline_ratio,
        estimate_calibration_rows,
        cast(left_out_n as integer) as left_out_fit_rows,
        left_out_factor,
        roofline_ms * left_out_factor as left_out_factor_predicted_ms,
        roofline_ms * left_out_factor / measured_ms as left_out_factor_ratio,
        left_out_affine_factor,
        left_out_affine_overhead_ms,
        roofline_ms * left_out_affine_factor + left_out_affine_overhead_ms
            as left_out_affine_predicted_ms,
        (roofline_ms * left_out_affine_factor + left_out_affine_overhead_ms)
        / measured_ms as left_out_affine_ratio,

        -- timestamps
        measured_at
    from left_out

)

select * from final
