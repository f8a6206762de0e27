with

events as (

    select * from {{ ref('int_hardware_events_unioned') }}

),

final as (

    select
        {{ stable_id(['host', 'hardware_type', 'detected_at', 'event_source']) }} as log_id,
        {{ stable_id(['hardware_type', 'device_name']) }} as hardware_id,
        is_available,
        detected_at as detection_timestamp,
        reason,
        host as detected_on_host,
        hardware_type,
        device_name,
        device_count,
        event_source,
        run_id,
        source_path
    from events

)

select * from final
