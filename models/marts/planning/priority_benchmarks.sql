{#- Missing or outdated configurations at priority var('priority_threshold') or more urgent,
    most urgent first. -#}
with

missing as (

    select * from {{ ref('missing_benchmarks') }}

),

outdated as (

    select * from {{ ref('outdated_benchmarks') }}

),

unioned as (

    select
        model_name,
        hardware_type,
        batch_size,
        precision,
        sequence_length,
        priority,
        reason,
        last_status,
        last_error,
        attempts,
        last_attempt_at,
        'missing' as plan_kind
    from missing
    union all
    select
        model_name,
        hardware_type,
        batch_size,
        precision,
        sequence_length,
        priority,
        reason,
        last_status,
        last_error,
        attempts,
        last_attempt_at,
        'outdated' as plan_kind
    from outdated

),

final as (

    select * from unioned
    where priority <= {{ var('priority_threshold') }}
    order by priority, model_name, hardware_type, precision, batch_size

)

select * from final
