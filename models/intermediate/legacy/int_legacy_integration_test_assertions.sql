{#- Every check of a legacy skill or hardware test (L, O, M, V, W, X) as an assertion of its
    test result: status strings pass when they say success; values (shapes, outputs, numbers,
    examples) are kept as the actual value with no pass/fail of their own. -#}
with

checks as (

    select * from {{ ref('int_legacy_status_checks_parsed') }}

),

final as (

    select
        check_id as assertion_id,
        {{ stable_id([
            "concat_ws('|', 'checks', file_id, test_name, coalesce(hardware_type, '')"
            ~ " || coalesce('?' || unknown_hardware_key, ''))"
        ]) }} as test_result_id,
        check_key as assertion_name,
        case
            when check_status = 'pass' then true
            when check_status in ('fail', 'error') then false
        end as passed,
        cast(null as varchar) as expected_value,
        check_text as actual_value,
        concat_ws('; ', check_status, implementation, simulation_evidence) as message,
        checked_at,
        source_path
    from checks

)

select * from final
