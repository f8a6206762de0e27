{#- The checks inside integration tests: legacy ones, and the API's, unnested from their test. -#}
with

legacy as (

    select * from {{ ref('int_legacy_integration_test_assertions') }}

),

stored as (

    -- the results int_integration_test_results_unioned keeps: a row a rule refused is left out,
    -- a file copied under another name is one copy (rejected_rows lists both)
    select * exclude (landed_row_id) from {{ ref('stg_landing__integration_results') }}
    where rejection_rule is null
    qualify {{ is_first_landed_copy('test_result_id') }}

),

exploded as (

    select
        stored.test_result_id,
        stored.executed_at,
        unnest(stored.assertions) as check_result
    from stored

),

from_api as (

    select
        exploded.check_result.assertion_id,
        exploded.test_result_id,
        exploded.check_result.assertion_name,
        exploded.check_result.passed,
        exploded.check_result.expected_value,
        exploded.check_result.actual_value,
        exploded.check_result.message,
        exploded.executed_at as checked_at,
        cast(null as varchar) as source_path
    from exploded

),

unioned as (

    select * from legacy
    union all by name
    select * from from_api

)

select * from unioned
