{#- Every performance row the legacy shape parsers read, one set of columns (union by name:
    a column a shape does not have is NULL). -#}
with

direct_runner as (

    select * from {{ ref('int_legacy_direct_runner_results_parsed') }}

),

placeholder as (

    select * from {{ ref('int_legacy_placeholder_results_parsed') }}

),

suite as (

    select * from {{ ref('int_legacy_suite_results_parsed') }}

),

web as (

    select * from {{ ref('int_legacy_web_results_parsed') }}

),

web_comparison as (

    select * from {{ ref('int_legacy_web_comparisons_parsed') }}

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
