{#- Every device a result ran on or a detection found, and every hardware type that was only
    looked for (device_name NULL), one row per sighting: runner and legacy results and
    detections, and the hardware types legacy integration and compatibility results name.
    Union by name: what a kind of sighting does not record (a test's host) is NULL. -#}
with

results as (

    select * from {{ ref('int_benchmark_results_summarised') }}

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

    -- one sighting per environment results were measured in, first and last
    select
        {{ stable_id(["'result environment'", 'environment_id']) }} as sighting_id,
        hardware_id,
        requested_hardware_type as hardware_type,
        device_name,
        os,
        driver_version,
        cuda_version,
        device_memory_gb,
        device_compute_units,
        host,
        first_measured_at as first_seen_at,
        last_measured_at as seen_at
    from results

),

from_events as (

    select
        {{ stable_id(["'event'", 'event_id']) }} as sighting_id,
        {{ stable_id(['hardware_type', 'device_name']) }} as hardware_id,
        hardware_type,
        device_name,
        os,
        cuda_version,
        device_memory_gb,
        device_compute_units,
        host,
        detected_at as seen_at
    from events

),

from_integration_tests as (

    select
        {{ stable_id(["'integration test'", 'test_result_id']) }} as sighting_id,
        {{ stable_id(['hardware_type', 'device_name']) }} as hardware_id,
        hardware_type,
        device_name,
        executed_at as seen_at
    from integration_tests
    where hardware_type is not null

),

from_compatibility as (

    select
        {{ stable_id(["'compatibility'", 'compatibility_id']) }} as sighting_id,
        {{ stable_id(['hardware_type', 'device_name']) }} as hardware_id,
        hardware_type,
        device_name,
        tested_at as seen_at
    from compatibility
    where hardware_type is not null

),

unioned as (

    {%- set sighting = ['sighting_id', 'hardware_id', 'hardware_type', 'device_name'] %}
    {{ union_all_by_name([
        ('from_results', sighting + [
            'os', 'driver_version', 'cuda_version', 'device_memory_gb', 'device_compute_units',
            'host', 'first_seen_at', 'seen_at',
        ]),
        ('from_events', sighting + [
            'os', 'cuda_version', 'device_memory_gb', 'device_compute_units', 'host', 'seen_at',
        ]),
        ('from_integration_tests', sighting + ['seen_at']),
        ('from_compatibility', sighting + ['seen_at']),
    ]) }}

)

select * from unioned
