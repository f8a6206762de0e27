{#- How far to trust the roofline estimates, per hardware catalog device: every catalog device
    (and any other device estimates were made for), with the number of measured rows behind it
    (simulation_accuracy_rows: a standing measurement estimated beside it in the same run).

    - fitted_overhead_ms: the fixed per-forward overhead those rows call for, median of
      measured - roofline time (at least 0), to copy into seeds/hardware_catalog.csv with a
      citation of this mart;
    - left_out_*: the accuracy of that fit on rows not used for fitting (leave-one-out: each
      row predicted with the overhead fitted on the device's other rows), the honest figure;
    - geometric_mean_ratio ... max_ratio: the estimates as stored (with the catalog's overhead
      when it gave one), estimate / measured; in-sample when that overhead was fitted on these
      same rows;
    - calibration_status: uncalibrated (no measured row: nothing to fit, no number invented),
      not validated (one row: fitted, nothing left out to test it on), validated (two or more).
    - generation_*: the generation roofline (roofline-generate-v1) against measured
      generations of the device, apart from the forward figures above: TPOT ratios (a decode
      step), the step overhead they call for, and TTFT ratios (the prefill).
    A ratio below 1 means the estimate is optimistic. -#}
with

calibration_rows as (

    -- forward passes: a generation's rows are generation_per_device's
    select * from {{ ref('simulation_accuracy_rows') }}
    where benchmark_kind is distinct from 'generate'

),

generation_rows as (

    select * from {{ ref('simulation_accuracy_rows') }}
    where benchmark_kind = 'generate'

),

generation_per_device as (

    -- the generation roofline against measured generations: TPOT (a decode step) and TTFT
    select
        hardware_type,
        estimated_with_device,
        count(*) as generation_configurations,
        exp(avg(ln(estimated_ratio))) as generation_tpot_geometric_mean_ratio,
        median(estimated_ratio) as generation_tpot_median_ratio,
        min(estimated_ratio) as generation_tpot_min_ratio,
        max(estimated_ratio) as generation_tpot_max_ratio,
        greatest(median(residual_ms), 0) as generation_fitted_step_overhead_ms,
        exp(avg(ln(ttft_ratio))) as generation_ttft_geometric_mean_ratio,
        median(ttft_ratio) as generation_ttft_median_ratio,
        min(ttft_ratio) as generation_ttft_min_ratio,
        max(ttft_ratio) as generation_ttft_max_ratio
    from generation_rows
    group by hardware_type, estimated_with_device

),

catalog as (

    select * from {{ ref('stg_catalog__hardware_devices') }}

),

per_device as (

    select
        hardware_type,
        estimated_with_device,
        count(*) as configurations,
        greatest(median(residual_ms), 0) as fitted_overhead_ms,
        exp(avg(ln(estimated_ratio))) as geometric_mean_ratio,
        median(estimated_ratio) as median_ratio,
        min(estimated_ratio) as min_ratio,
        max(estimated_ratio) as max_ratio,
        count(left_out_ratio) as left_out_rows,
        exp(avg(ln(left_out_ratio))) as left_out_geometric_mean_ratio,
        median(left_out_ratio) as left_out_median_ratio,
        min(left_out_ratio) as left_out_min_ratio,
        max(left_out_ratio) as left_out_max_ratio,
        100.0 * median(abs(left_out_ratio - 1)) as left_out_median_abs_error_pct,
        min(measured_device_name) as measured_device_name,
        count(distinct measured_device_name) as measured_device_names
    from calibration_rows
    group by hardware_type, estimated_with_device

),

devices as (

    select
        coalesce(catalog.hardware_type, per_device.hardware_type) as hardware_type,
        coalesce(catalog.device_name, per_device.estimated_with_device) as estimated_with_device,
        catalog.fixed_overhead_ms as catalog_overhead_ms,
        catalog.device_name is not null as is_in_catalog,
        per_device.* exclude (hardware_type, estimated_with_device)
    from catalog
    full outer join per_device
        on
            catalog.hardware_type = per_device.hardware_type
            and catalog.device_name = per_device.estimated_with_device

),

devices_with_generation as (

    -- a device only generations were estimated for is a row of its own too
    select
        coalesce(devices.hardware_type, generation_per_device.hardware_type) as hardware_type,
        coalesce(
            devices.estimated_with_device, generation_per_device.estimated_with_device
        ) as estimated_with_device,
        coalesce(devices.is_in_catalog, false) as is_in_catalog,
        devices.* exclude (hardware_type, estimated_with_device, is_in_catalog),
        generation_per_device.* exclude (hardware_type, estimated_with_device)
    from devices
    full outer join generation_per_device
        on
            devices.hardware_type = generation_per_device.hardware_type
            and devices.estimated_with_device = generation_per_device.estimated_with_device

),

final as (

    select
        -- ids
        {{ stable_id(['hardware_type', 'estimated_with_device']) }} as accuracy_id,

        -- strings
        hardware_type,
        estimated_with_device,
        measured_device_name,
        case
            when coalesce(configurations, 0) = 0 then 'uncalibrated'
            when configurations = 1 then 'not validated'
            else 'validated'
        end as calibration_status,
        case
            when catalog_overhead_ms is null
                then 'uncalibrated: the catalog gives no overhead, estimates are the roofline bound'
            else 'from the catalog: see its source column'
        end as catalog_overhead_note,

        -- numerics
        cast(coalesce(configurations, 0) as integer) as configurations,
        catalog_overhead_ms,
        fitted_overhead_ms,
        cast(coalesce(left_out_rows, 0) as integer) as left_out_rows,
        left_out_geometric_mean_ratio,
        left_out_median_ratio,
        left_out_min_ratio,
        left_out_max_ratio,
        left_out_median_abs_error_pct,
        geometric_mean_ratio,
        median_ratio,
        min_ratio,
        max_ratio,
        cast(coalesce(measured_device_names, 0) as integer) as measured_device_names,
        -- generation (TPOT: a decode step; TTFT: the prefill), estimate / measured
        cast(coalesce(generation_configurations, 0) as integer) as generation_configurations,
        generation_tpot_geometric_mean_ratio,
        generation_tpot_median_ratio,
        generation_tpot_min_ratio,
        generation_tpot_max_ratio,
        generation_fitted_step_overhead_ms,
        generation_ttft_geometric_mean_ratio,
        generation_ttft_median_ratio,
        generation_ttft_min_ratio,
        generation_ttft_max_ratio,

        -- booleans
        is_in_catalog
    from devices_with_generation

)

select * from final
