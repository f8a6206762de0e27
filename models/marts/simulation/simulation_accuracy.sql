{#- How far to trust the roofline estimates, and the calibration new estimates apply: one row
    per hardware catalog device (and any other device estimates were made for) and metric
    ('latency': a forward pass; 'tpot' and 'ttft': a generation's decode step and prefill), with
    the number of measured rows behind it (simulation_accuracy_rows).

    Two calibrations are fitted on all the device's rows of the metric (macros/calibration_fits.sql):
    `factor` (roofline x factor) and `factor_overhead` (roofline x factor + overhead). Each was
    tested leave-one-out in simulation_accuracy_rows (every row predicted by the fit of the
    device's other rows); the one with the smaller root-mean-square log error left out is the
    calibration (`factor` when factor + overhead could not be tested: fewer than 3 rows), and
    left_out_* are its figures, the honest accuracy. roofline_* are the roofline alone;
    geometric_mean_ratio ... max_ratio the estimates as stored (calibrated when made after a
    fit: in-sample when that fit saw the row).

    calibration_status: uncalibrated (no measured row: nothing fitted, no number invented), not
    validated (one row: a factor, nothing left out to test it on), validated (two or more).
    benchdb/calibration.py reads calibration_method, _factor, _overhead_ms, _rows and
    calibrated_through into every estimate it makes for the device. -#}
with

accuracy_rows as (

    select
        *,
        ln(measured_ms / roofline_ms) as log_ratio,
        1 / (measured_ms * measured_ms) as weight
    from {{ ref('simulation_accuracy_rows') }}

),

sums as (

    select
        hardware_type,
        estimated_with_device,
        metric,
        count(*) as fit_n,
        sum(log_ratio) as fit_sum_log_ratio,
        sum(weight) as fit_sw,
        sum(weight * roofline_ms) as fit_sx,
        sum(weight * measured_ms) as fit_sy,
        sum(weight * roofline_ms * roofline_ms) as fit_sxx,
        sum(weight * roofline_ms * measured_ms) as fit_sxy,
        max(measured_at) as calibrated_through,
        count(*) filter (where measured_quality = 'noisy') as noisy_rows,
        min(measured_device_name) as measured_device_name,
        count(distinct measured_device_name) as measured_device_names,
        -- the roofline alone and the estimates as stored, estimate / measured
        exp(avg(ln(roofline_ratio))) as roofline_geometric_mean_ratio,
        median(roofline_ratio) as roofline_median_ratio,
        min(roofline_ratio) as roofline_min_ratio,
        max(roofline_ratio) as roofline_max_ratio,
        exp(avg(ln(estimated_ratio))) as geometric_mean_ratio,
        median(estimated_ratio) as median_ratio,
        min(estimated_ratio) as min_ratio,
        max(estimated_ratio) as max_ratio,
        -- both calibrations left out: root-mean-square log error and the ratios
        count(left_out_factor_ratio) as left_out_rows,
        count(left_out_affine_ratio) as left_out_affine_rows,
        sqrt(avg(ln(left_out_factor_ratio) ^ 2)) as left_out_factor_rms_log_error,
        sqrt(avg(ln(left_out_affine_ratio) ^ 2)) as left_out_affine_rms_log_error,
        100.0 * median(abs(left_out_factor_ratio - 1)) as left_out_factor_median_abs_error_pct,
        100.0 * median(abs(left_out_affine_ratio - 1)) as left_out_affine_median_abs_error_pct,
        exp(avg(ln(left_out_factor_ratio))) as left_out_factor_geometric_mean_ratio,
        exp(avg(ln(left_out_affine_ratio))) as left_out_affine_geometric_mean_ratio,
        median(left_out_factor_ratio) as left_out_factor_median_ratio,
        median(left_out_affine_ratio) as left_out_affine_median_ratio,
        min(left_out_factor_ratio) as left_out_factor_min_ratio,
        min(left_out_affine_ratio) as left_out_affine_min_ratio,
        max(left_out_factor_ratio) as left_out_factor_max_ratio,
        max(left_out_affine_ratio) as left_out_affine_max_ratio
    from accuracy_rows
    group by hardware_type, estimated_with_device, metric

),

fits as (

    select
        *,
        {{ calibration_fits('fit') }},
        -- factor + overhead only where it was tested on every row and erred less
        coalesce(
            left_out_affine_rows = fit_n
            and left_out_affine_rms_log_error < left_out_factor_rms_log_error,
            false
        ) as overhead_chosen
    from sums

),

metric_names as (

    select unnest(['latency', 'tpot', 'ttft']) as metric

),

catalog_metrics as (

    select
        hardware_devices.hardware_type,
        hardware_devices.device_name,
        metric_names.metric
    from {{ ref('stg_catalog__hardware_devices') }} as hardware_devices
    cross join metric_names

),

devices as (

    select
        coalesce(catalog_metrics.hardware_type, fits.hardware_type) as hardware_type,
        coalesce(catalog_metrics.device_name, fits.estimated_with_device)
            as estimated_with_device,
        coalesce(catalog_metrics.metric, fits.metric) as metric,
        catalog_metrics.device_name is not null as is_in_catalog,
        fits.* exclude (hardware_type, estimated_with_device, metric)
    from catalog_metrics
    full outer join fits
        on
            catalog_metrics.hardware_type = fits.hardware_type
            and catalog_metrics.device_name = fits.estimated_with_device
            and catalog_metrics.metric = fits.metric

),

final as (

    select
        -- ids
        {{ stable_id(['hardware_type', 'estimated_with_device', 'metric']) }} as accuracy_id,

        -- strings
        hardware_type,
        estimated_with_device,
        metric,
        measured_device_name,
        case
            when coalesce(fit_n, 0) = 0 then 'uncalibrated'
            when fit_n = 1 then 'not validated'
            else 'validated'
        end as calibration_status,
        case
            when coalesce(fit_n, 0) = 0 then null
            when overhead_chosen then 'factor_overhead'
            else 'factor'
        end as calibration_method,
        case
            when coalesce(fit_n, 0) = 0
                then 'no measured rows of the device: estimates are the roofline bound alone'
            when fit_n = 1
                then 'factor: one measured row, nothing left out to test it on'
            when left_out_affine_rows < fit_n
                then 'factor: too few rows (' || fit_n || ') to test factor + overhead left out'
            when overhead_chosen
                then 'factor_overhead: rms log error left out '
                    || round(left_out_affine_rms_log_error, 3) || ' against '
                    || round(left_out_factor_rms_log_error, 3) || ' for the factor alone'
            else
                'factor: rms log error left out ' || round(left_out_factor_rms_log_error, 3)
                || ' against ' || round(left_out_affine_rms_log_error, 3)
                || ' for factor + overhead'
        end as calibration_reason,

        -- numerics: the calibration (NULL when uncalibrated)
        cast(coalesce(fit_n, 0) as integer) as calibration_rows,
        case when overhead_chosen then fit_affine_factor else fit_factor end
            as calibration_factor,
        case when overhead_chosen then fit_affine_overhead_ms when fit_n > 0 then 0.0 end
            as calibration_overhead_ms,
        -- both candidates, fitted on every row, and their error left out
        fit_factor,
        fit_affine_factor,
        fit_affine_overhead_ms,
        left_out_factor_rms_log_error,
        left_out_affine_rms_log_error,
        left_out_factor_median_abs_error_pct,
        left_out_affine_median_abs_error_pct,
        -- the calibration's accuracy on rows not used for fitting it (leave-one-out)
        cast(coalesce(left_out_rows, 0) as integer) as left_out_rows,
        case
            when overhead_chosen then left_out_affine_geometric_mean_ratio
            else left_out_factor_geometric_mean_ratio
        end as left_out_geometric_mean_ratio,
        case
            when overhead_chosen then left_out_affine_median_ratio
            else left_out_factor_median_ratio
        end as left_out_median_ratio,
        case
            when overhead_chosen then left_out_affine_min_ratio
            else left_out_factor_min_ratio
        end as left_out_min_ratio,
        case
            when overhead_chosen then left_out_affine_max_ratio
            else left_out_factor_max_ratio
        end as left_out_max_ratio,
        case
            when overhead_chosen then left_out_affine_median_abs_error_pct
            else left_out_factor_median_abs_error_pct
        end as left_out_median_abs_error_pct,
        roofline_geometric_mean_ratio,
        roofline_median_ratio,
        roofline_min_ratio,
        roofline_max_ratio,
        geometric_mean_ratio,
        median_ratio,
        min_ratio,
        max_ratio,
        cast(coalesce(noisy_rows, 0) as integer) as noisy_rows,
        cast(coalesce(measured_device_names, 0) as integer) as measured_device_names,

        -- booleans
        is_in_catalog,

        -- timestamps
        calibrated_through
    from devices

)

select * from final
