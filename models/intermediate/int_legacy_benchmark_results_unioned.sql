{#- Every performance row the legacy staging models read, one set of columns (union by name:
    a column a shape does not have is NULL). -#}
with

direct_runner as (

    select * from {{ ref('stg_legacy__direct_runner_results') }}

),

placeholder as (

    select * from {{ ref('stg_legacy__placeholder_results') }}

),

suite as (

    select * from {{ ref('stg_legacy__suite_results') }}

),

web as (

    select * from {{ ref('stg_legacy__web_results') }}

),

web_comparison as (

    select * from {{ ref('stg_legacy__web_comparisons') }}

),

unioned as (

    select * from direct_runner
    union all by name
    select * exclude (is_compatible) from placeholder
    union all by name
    select * from suite
    union all by name
    select * from web
    union all by name
    select * from web_comparison

)

select * from unioned
