{#- One row per integration test result (the old system's table): legacy skill, hardware,
    functionality, critical-model and validation tests. status is pass, fail, error or skip
    (NULL when the file states no outcome). -#}
with

tests as (

    select * from {{ ref('int_integration_test_results_unioned') }}

),

final as (

    select
        test_result_id,
        run_id,
        test_module,
        test_class,
        test_name,
        status,
        execution_time_seconds,
        case
            when hardware_type is not null
                then {{ stable_id(['hardware_type', 'device_name']) }}
        end as hardware_id,
        case when model_name is not null then {{ stable_id(['model_name']) }} end as model_id,
        error_message,
        error_traceback,
        metadata,
        executed_at as created_at,
        model_name,
        hardware_type,
        is_simulated,
        simulation_reason,
        executed_at,
        result_source,
        source_path,
        source_shape
    from tests

)

select * from final
