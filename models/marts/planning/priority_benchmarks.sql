{#- Missing or outdated configurations at priority var('priority_threshold') or more urgent
    (the session variable plan_priority_threshold, when set, instead), most urgent first. -#}
with

plan as (

    select * from {{ ref('benchmark_plan') }}

),

final as (

    select * from plan
    where
        priority <= cast(
            coalesce(getvariable('plan_priority_threshold'), {{ var('priority_threshold') }})
            as integer
        )
    order by priority, plan_kind, model_name, hardware_type, precision, batch_size

)

select * from final
