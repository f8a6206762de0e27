{#- Every hardware detection: the runners' events from the landing zone and what legacy suites
    found on their hosts. A legacy detection found in two files (a suite output embedded in a
    run aggregate) is kept once. -#}
with

landing_events as (

    select * from {{ ref('stg_landing__hardware_events') }}

),

legacy_detections as (

    select * from {{ ref('int_legacy_hardware_detections_parsed') }}

),

from_landing as (

    select
        event_id,
        run_id,
        hardware_type,
        is_available,
        reason,
        device_name,
        device_count,
        host,
        detected_at,
        event_source,
        cast(null as varchar) as os,
        cast(null as varchar) as cuda_version,
        cast(null as double) as device_memory_gb,
        cast(null as integer) as device_compute_units,
        cast(null as varchar) as source_path
    from landing_events

),

from_legacy as (

    select
        legacy_row_id as event_id,
        run_id,
        hardware_type,
        is_available,
        reason,
        device_name,
        device_count,
        host,
        detected_at,
        'legacy_json' as event_source,
        os,
        cuda_version,
        device_memory_gb,
        device_compute_units,
        source_path
    from legacy_detections
    qualify row_number() over (
            partition by host, hardware_type, detected_at order by source_shape, source_path
        ) = 1

),

unioned as (

    select * from from_landing
    union all
    select * from from_legacy

)

select * from unioned
