{#- One row per device (hardware type x device name); a type only ever looked for has one row
    with no device name. -#}
with

sightings as (

    select * from {{ ref('int_hardware_platforms_unioned') }}

),

final as (

    select
        hardware_id,
        {{ any_non_null('hardware_type') }} as hardware_type,
        {{ any_non_null('device_name') }} as device_name,
        {{ value_at_max("split_part(os, '-', 1)", 'seen_at') }} filter (where os is not null)
            as platform,
        {{ value_at_max('os', 'seen_at') }} filter (where os is not null) as platform_version,
        {{ value_at_max('driver_version', 'seen_at') }} filter (
            where driver_version is not null
        ) as driver_version,
        max(device_memory_gb) as memory_gb,
        max(device_compute_units) as compute_units,
        {{ json_object_of([
            ('cuda_versions', sorted_distinct_list('cuda_version')),
            ('hosts', sorted_distinct_list('host')),
        ]) }} as metadata,
        min(coalesce(first_seen_at, seen_at)) as created_at,
        max(seen_at) as last_seen_at
    from sightings
    group by hardware_id

)

select * from final
