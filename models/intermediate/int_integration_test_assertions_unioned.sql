{#- The checks inside integration tests: legacy ones, and the API's, unnested from their test. -#}
with

legacy as (

    select * from {{ ref('int_legacy_integration_test_assertions') }}

),

stored as (

    select * from {{ ref('stg_landing__integration_results') }}

),

from_api as (

    select
        stored.test_result_id,
        stored.executed_at as checked_at,
        cast(null as varchar) as source_path,
        unnest(stored.assertions, recursive := true)
    from stored

),

unioned as (

    select * from legacy
    union all by name
    select * from from_api

)

select * from unioned
