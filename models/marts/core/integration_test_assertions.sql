{#- The checks inside integration test results (the old system's table). -#}
with

assertions as (

    select * from {{ ref('int_integration_test_assertions_unioned') }}

),

final as (

    select
        assertion_id,
        test_result_id,
        assertion_name,
        passed,
        expected_value,
        actual_value,
        message,
        checked_at,
        source_path
    from assertions

)

select * from final
