{#- The checks inside integration tests: legacy ones, and the API's, unnested from their test,
    each with the rule it breaks, if any. One assertion_id is one check: written twice with the
    same content (its test result, name, outcome, values and message) it is kept once; written
    again with other content (a hand-written file), the first copy is kept (a legacy check
    first, then by landed file, row and position in its list, so every build keeps the same
    one) and each other is rejected naming the kept one. integration_test_assertions reads the
    kept rows, rejected_rows the others. -#}
with

legacy as (

    select * from {{ ref('int_legacy_integration_test_assertions') }}

),

stored as (

    -- the results int_integration_test_results_unioned keeps: a row a rule refused is left out,
    -- a file copied under another name is one copy (rejected_rows lists both)
    select * from {{ ref('stg_landing__integration_results') }}
    where rejection_rule is null
    qualify {{ is_first_landed_copy('test_result_id') }}

),

exploded as (

    select
        stored.test_result_id,
        stored.executed_at,
        stored.source_file,
        stored.landed_row_id,
        stored.loaded_at,
        unnest(stored.assertions) as check_result,
        generate_subscripts(stored.assertions, 1) as check_position
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
        cast(null as varchar) as source_path,
        exploded.source_file as landed_file,
        exploded.landed_row_id,
        exploded.check_position,
        exploded.loaded_at,
        left(cast(exploded.check_result as varchar), 200) as written_as
    from exploded

),

unioned as (

    select * from legacy
    union all by name
    select * from from_api

),

with_content as (

    -- what makes two checks under one id the same check (md5 of it, NULLs included)
    select
        *,
        {{ stable_id([
            'test_result_id', 'assertion_name', 'passed', 'expected_value', 'actual_value',
            'message',
        ]) }} as check_content
    from unioned

),

ranked as (

    select
        *,
        row_number() over by_id as copy_rank,
        first_value(coalesce(landed_file, source_path)) over by_id as kept_file,
        first_value(test_result_id) over by_id as kept_test_result_id,
        first_value(check_content) over by_id as kept_content
    from with_content
    window by_id as (
        partition by assertion_id
        order by landed_file is not null, landed_file, landed_row_id, check_position
    )

),

compared as (

    select
        *,
        kept_content = check_content as is_same_as_kept
    from ranked

),

final as (

    select
        {{ star_except() }} (
            check_content, copy_rank, kept_file, kept_test_result_id, kept_content,
            is_same_as_kept
        ),
        {{ stable_id(['assertion_id', 'landed_row_id', 'check_position']) }}
            as assertion_row_id,
        case
            when copy_rank > 1 and not is_same_as_kept
                then
                    'duplicate assertion_id: other content under the id kept from test result '
                    || kept_test_result_id || ' in ' || kept_file
        end as rejection_rule
    from compared
    -- the same check written again is one check
    where copy_rank = 1 or not is_same_as_kept

)

select * from final
