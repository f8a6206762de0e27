{#- Compatibility results from legacy files and from the API, in one shape. -#}
with

legacy as (

    select * from {{ ref('int_legacy_hardware_compatibility') }}

),

stored as (

    -- a row a rule refused is left out, and a file copied under another name is one copy
    -- (rejected_rows lists both)
    select
        * exclude (
            landed_row_id, value_rejections, rejection_rule, rejected_column, rejected_value
        )
    from {{ ref('stg_landing__compatibility_results') }}
    where rejection_rule is null
    qualify {{ is_first_landed_copy('compatibility_id') }}

),

from_api as (

    select
        * exclude (schema_version, run_date),  -- noqa: RF02, RF03
        true as is_tested,
        'api' as result_source
    from stored

),

unioned as (

    -- by name: a column one side lacks (the legacy file, the API's detection steps) is NULL
    -- there
    select * from legacy
    union all by name
    select * from from_api

)

select * from unioned
