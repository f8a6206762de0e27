{#- Compatibility results from legacy files and from the API, in one shape. -#}
with

legacy as (

    select * from {{ ref('int_legacy_hardware_compatibility') }}

),

stored as (

    select * from {{ ref('stg_landing__compatibility_results') }}

),

from_api as (

    select
        compatibility_id,
        run_id,
        model_name,
        hardware_type,
        device_name,
        is_compatible,
        true as is_tested,
        detection_success,
        initialization_success,
        error_message,
        error_type,
        suggested_fix,
        workaround_available,
        compatibility_score,
        metadata,
        is_simulated,
        simulation_reason,
        tested_at,
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
