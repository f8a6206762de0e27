{#- Wanted configurations with no completed, real (not simulated) result. Failed ones show their
    last error and attempt count: they stay here, to be retried. One recorded unsupported with
    today's software is known, not missing. The rule is benchmark_plan's. -#}
with

plan as (

    select * from {{ ref('benchmark_plan') }}

),

final as (

    select * from plan
    where plan_kind = 'missing'

)

select * from final
