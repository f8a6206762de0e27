{#- One row per device (hardware type x device name); a type only ever looked for has one row
    with no device name. -#}
with

sightings as (

    select * from {{ ref('int_hardware_platforms_unioned') }}

),

final as (

    select
        hardware_id,
        any_value(hardware_type) as hardware_type,
        any_value(device_name) as device_name,
        arg_max(split_part(os, '-', 1), seen_at) filter (where os is not null) as platform,
        arg_max(os, seen_at) filter (where os is not null) as platform_version,
        arg_max(driver_version, seen_at) filter (where driver_version is not null)
            as driver_version,
        max(device_memory_gb) as memory_gb,
        max(device_compute_units) as compute_units,
        json_object(
            'cuda_versions',
            list(distinct cuda_version order by cuda_version) filter (
                where cuda_version is not null
            ),
            'hosts', list(distinct host order by host) filter (where host is not null)
        ) as metadata,
        min(coalesce(first_seen_at, seen_at)) as created_at,
        max(seen_at) as last_seen_at
    from sightings
    group by hardware_id

)

select * from final
