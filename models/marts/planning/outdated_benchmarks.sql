{#- Wanted configurations whose newest real result is older than var('older_than_days'), or, when
    var('outdated_on_version_change') is true, was measured with another torch or transformers
    minor version than the current one. The rule is benchmark_plan's. -#}
with

plan as (

    select * from {{ ref('benchmark_plan') }}

),

final as (

    select * from plan
    where plan_kind = 'outdated'

)

select * from final
