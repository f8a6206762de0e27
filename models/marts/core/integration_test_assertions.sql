{#- The checks inside integration test results (the old system's table): one per assertion_id
    (a second check under an id is in rejected_rows). -#}
with

assertions as (

    select * from {{ ref('int_integration_test_assertions_unioned') }}
    where rejection_rule is null

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
