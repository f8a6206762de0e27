{#- Integration test results from legacy files and from the API, in one shape. -#}
with

legacy as (

    select * from {{ ref('int_legacy_integration_test_results') }}

),

stored as (

    select * from {{ ref('stg_landing__integration_results') }}

),

from_api as (

    select
        test_result_id,
        run_id,
        test_module,
        test_class,
        test_name,
        status,
        execution_time_seconds,
        model_name,
        hardware_type,
        device_name,
        error_message,
        error_traceback,
        metadata,
        false as is_simulated,
        cast(null as varchar) as simulation_reason,
        executed_at,
        'api' as result_source,
        cast(null as varchar) as source_path,
        cast(null as varchar) as source_shape
    from stored

),

unioned as (

    select * from legacy
    union all by name
    select * from from_api

)

select * from unioned
