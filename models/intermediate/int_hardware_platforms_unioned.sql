{#- Every device a result ran on or a detection found, and every hardware type that was only
    looked for (device_name NULL), one row per sighting: runner and legacy results and
    detections, and the hardware types legacy integration and compatibility results name. -#}
with

results as (

    select * from {{ ref('int_benchmark_results_normalized') }}

),

events as (

    select * from {{ ref('int_hardware_events_unioned') }}

),

integration_tests as (

    select * from {{ ref('int_integration_test_results_unioned') }}

),

compatibility as (

    select * from {{ ref('int_hardware_compatibility_unioned') }}

),

from_results as (

    select
        hardware_id,
        requested_hardware_type as hardware_type,
        device_name,
        os,
        driver_version,
        cuda_version,
        device_memory_gb,
        device_compute_units,
        host,
        measured_at as seen_at
    from results

),

from_events as (

    select
        {{ stable_id(['hardware_type', 'device_name']) }} as hardware_id,
        hardware_type,
        device_name,
        os,
        cast(null as varchar) as driver_version,
        cuda_version,
        device_memory_gb,
        device_compute_units,
        host,
        detected_at as seen_at
    from events

),

from_tests as (

    select
        {{ stable_id(['hardware_type', 'device_name']) }} as hardware_id,
        hardware_type,
        device_name,
        cast(null as varchar) as os,
        cast(null as varchar) as driver_version,
        cast(null as varchar) as cuda_version,
        cast(null as double) as device_memory_gb,
        cast(null as integer) as device_compute_units,
        cast(null as varchar) as host,  -- noqa: RF04
        executed_at as seen_at
    from integration_tests
    where hardware_type is not null

    union all

    select
        {{ stable_id(['hardware_type', 'device_name']) }} as hardware_id,
        hardware_type,
        device_name,
        cast(null as varchar) as os,
        cast(null as varchar) as driver_version,
        cast(null as varchar) as cuda_version,
        cast(null as double) as device_memory_gb,
        cast(null as integer) as device_compute_units,
        cast(null as varchar) as host,  -- noqa: RF04
        tested_at as seen_at
    from compatibility
    where hardware_type is not null

),

unioned as (

    select * from from_results
    union all
    select * from from_events
    union all
    select * from from_tests

)

select * from unioned
