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
    A ratio below 1 means the estimate is optimistic. -#}
with

calibration_rows as (

    select * from {{ ref('simulation_accuracy_rows') }}

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

        -- booleans
        is_in_catalog
    from devices

)

select * from final
