{#- Per hardware type: when and on which hosts it was last seen available, what the newest
    detection or mark said, and whether it is marked simulated now. -#}
with

log as (

    select * from {{ ref('hardware_availability_log') }}

),

per_host as (

    select
        hardware_type,
        detected_on_host,
        max(detection_timestamp) filter (where is_available and event_source != 'manual_mark')
            as last_seen_available_at
    from log
    group by all

),

latest_marks as (

    select
        hardware_type,
        arg_max(is_available, detection_timestamp) as is_marked_available,
        arg_max(reason, detection_timestamp) as mark_reason,
        max(detection_timestamp) as marked_at
    from log
    where event_source = 'manual_mark'
    group by all

),

summary as (

    select
        log.hardware_type,
        max(log.detection_timestamp) as last_checked_at,
        arg_max(log.is_available, log.detection_timestamp) as is_available_at_last_check,
        arg_max(log.reason, log.detection_timestamp) as last_reason,
        arg_max(log.detected_on_host, log.detection_timestamp) as last_checked_on_host
    from log
    group by all

),

final as (

    select
        summary.hardware_type,
        max(per_host.last_seen_available_at) as last_seen_available_at,
        list(distinct per_host.detected_on_host order by per_host.detected_on_host)
        filter (where per_host.last_seen_available_at is not null) as hosts_seen_available,
        any_value(summary.last_checked_at) as last_checked_at,
        any_value(summary.last_checked_on_host) as last_checked_on_host,
        any_value(summary.is_available_at_last_check) as is_available_at_last_check,
        any_value(summary.last_reason) as last_reason,
        coalesce(not any_value(latest_marks.is_marked_available), false) as is_marked_simulated,
        any_value(latest_marks.mark_reason) as mark_reason,
        any_value(latest_marks.marked_at) as marked_at
    from summary
    left join per_host
        on summary.hardware_type = per_host.hardware_type
    left join latest_marks
        on summary.hardware_type = latest_marks.hardware_type
    group by summary.hardware_type

)

select * from final
