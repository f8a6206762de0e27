{#- Checks of skill and hardware tests, one row per check; the intermediate layer groups them
    into integration test results (one per test and platform) and keeps each as an assertion:
    - L skill tests: flat dicts of checks, or `results.status` with `results.examples` and
      `results.metadata.platform_status`;
    - O hardware test runs: one dict of checks per test (a bare string is one check whose text
      is its error);
    - M subprocess captures with a `json_result`, and each test of a V wrapper (`skill_tests`):
      the json_result's checks (its `status` dict, or the flat dict), examples and
      platform_status, plus the capture's elapsed time and return code;
    - W skill metrics: per test file its status, time and error, and one block of checks per
      hardware key of `performance_metrics`;
    - X one model's hardware test: one block of checks per key of `results`, and `examples`.
    Values are status strings ("Success (REAL)", "Error: ...", "CUDA not available"), shapes,
    outputs, numbers or example objects. A check's platform is its example's `platform`, else
    its block's hardware key, else its key's prefix (cpu_, cuda_, openvino_, apple_ -> mps,
    qualcomm_ -> qnn ...). A block key outside the hardware vocabulary (a model name) names no
    hardware: its checks form a row of their own that says so. Simulation markers in text
    (MOCK, simulated) are evidence, quoted with their check. -#}
{{ config(materialized='table') }}

{%- set platform_prefixes = 'cpu|cuda|openvino|apple|qualcomm|mps|rocm|qnn|webgpu|webnn' -%}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape in ('L', 'O', 'M', 'V', 'W', 'X')

),

skill_tests as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        documents.document -> 'metadata' ->> 'test_file' as test_module,
        documents.document -> 'metadata' ->> 'test_file' as test_name,
        coalesce(
            documents.document -> 'results' -> 'metadata' ->> 'model_name',
            documents.document -> 'metadata' ->> 'model'
        ) as model_name,
        coalesce(
            {{ legacy_timestamp("documents.document -> 'metadata' ->> 'timestamp'") }},
            documents.document_at
        ) as test_at,
        case
            when json_type(documents.document -> 'results' -> 'status') = 'OBJECT'
                then documents.document -> 'results' -> 'status'
            else documents.document -> 'results'
        end as checks,
        documents.document -> 'results' -> 'examples' as examples,
        documents.document -> 'results' -> 'metadata' -> 'platform_status' as platform_status,
        json_type(documents.document -> 'results' -> 'status') = 'OBJECT' as is_nested,
        cast(null as json) as whole_test
    from documents
    where documents.source_shape = 'L'

),

hardware_tests as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        cast(null as varchar) as test_module,
        test.key as test_name,
        regexp_replace(test.key, '^test_(hf_)?', '') as model_name,
        documents.document_at as test_at,
        test.value as checks,
        cast(null as json) as examples,
        cast(null as json) as platform_status,
        false as is_nested,
        cast(null as json) as whole_test
    from documents
    cross join {{ json_entries("documents.document") }} as test
    where documents.source_shape = 'O'

),

captures as (

    -- a subprocess capture that kept its json_result (M), and each test of a wrapper (V)
    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        documents.document as capture
    from documents
    where
        documents.source_shape = 'M'
        and json_type(documents.document -> 'json_result') = 'OBJECT'

    union all

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        test.value as capture
    from documents
    cross join {{ json_entries("documents.document -> 'skill_tests'") }} as test
    where
        documents.source_shape = 'V'
        and json_type(test.value -> 'json_result') = 'OBJECT'

),

capture_tests as (

    select
        captures.* exclude (capture),  -- noqa: RF02, RF03
        captures.capture ->> 'test_file' as test_module,
        captures.capture ->> 'test_file' as test_name,
        nullif(regexp_extract(captures.capture ->> 'test_file', 'test_hf_(\w+)\.py', 1), '')
            as model_name,
        captures.document_at as test_at,
        case
            when json_type(captures.capture -> 'json_result' -> 'status') = 'OBJECT'
                then captures.capture -> 'json_result' -> 'status'
            else captures.capture -> 'json_result'
        end as checks,
        captures.capture -> 'json_result' -> 'examples' as examples,
        captures.capture -> 'json_result' -> 'metadata' -> 'platform_status'
            as platform_status,
        -- the json_result's examples and metadata are not checks of their own
        true as is_nested,
        json_object(
            'elapsed_time', captures.capture -> 'elapsed_time',
            'return_code', captures.capture -> 'return_code'
        ) as whole_test
    from captures

),

skill_metric_tests as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        test.key as test_module,
        test.key as test_name,
        nullif(regexp_extract(test.key, 'test_hf_(\w+)\.py', 1), '') as model_name,
        documents.document_at as test_at,
        test.value as test
    from documents
    cross join {{ json_entries("documents.document -> 'results'") }} as test
    where documents.source_shape = 'W'

),

tests as (

    select * from skill_tests
    union all by name
    select * from hardware_tests
    union all by name
    select * from capture_tests

),

hardware_blocks as (

    -- W: one block per key of performance_metrics; X: one per key of results
    select
        skill_metric_tests.* exclude (test),  -- noqa: RF02, RF03
        block.key as block_key,
        block.value as block
    from skill_metric_tests
    cross join {{ json_entries("skill_metric_tests.test -> 'performance_metrics'") }} as block
    where json_type(block.value) = 'OBJECT'

    union all

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        cast(null as varchar) as test_module,
        regexp_extract(documents.source_path, '([^/\\]+?)(\.json)?$', 1) as test_name,
        coalesce(
            documents.document -> 'metadata' ->> 'model_id',
            documents.document -> 'metadata' ->> 'model_name',
            documents.document -> 'metadata' ->> 'model_path'
        ) as model_name,
        documents.document_at as test_at,
        block.key as block_key,
        block.value as block
    from documents
    cross join {{ json_entries("documents.document -> 'results'") }} as block
    where documents.source_shape = 'X'

),

keyed_checks as (

    select
        tests.* exclude (
            checks, examples, platform_status, is_nested, whole_test  -- noqa: RF02, RF03
        ),
        check_item.key as check_key,
        check_item.value as check_value,
        cast(null as varchar) as block_key,
        false as is_bare_string,
        tests.is_nested as is_status_entry
    from tests
    cross join {{ json_entries("tests.checks") }} as check_item
    where
        json_type(tests.checks) = 'OBJECT'
        -- in the flat layout the examples and metadata are not checks of their own
        and not (tests.is_nested and check_item.key in ('examples', 'metadata'))

    union all

    select
        tests.* exclude (
            checks, examples, platform_status, is_nested, whole_test  -- noqa: RF02, RF03
        ),
        'result' as check_key,
        tests.checks as check_value,
        cast(null as varchar) as block_key,
        true as is_bare_string,
        false as is_status_entry
    from tests
    where json_type(tests.checks) = 'VARCHAR'

    union all

    select
        tests.* exclude (
            checks, examples, platform_status, is_nested, whole_test  -- noqa: RF02, RF03
        ),
        'examples[' || example.key || ']' as check_key,
        example.value as check_value,
        cast(null as varchar) as block_key,
        false as is_bare_string,
        false as is_status_entry
    from tests
    cross join {{ json_entries("tests.examples") }} as example
    where json_type(tests.examples) = 'ARRAY'

    union all

    select
        tests.* exclude (
            checks, examples, platform_status, is_nested, whole_test  -- noqa: RF02, RF03
        ),
        'platform_status.' || platform.key as check_key,
        platform.value as check_value,
        cast(null as varchar) as block_key,
        false as is_bare_string,
        true as is_status_entry
    from tests
    cross join {{ json_entries("tests.platform_status") }} as platform
    where json_type(tests.platform_status) = 'OBJECT'

    union all

    select
        tests.* exclude (
            checks, examples, platform_status, is_nested, whole_test  -- noqa: RF02, RF03
        ),
        whole.key as check_key,
        whole.value as check_value,
        cast(null as varchar) as block_key,
        false as is_bare_string,
        false as is_status_entry
    from tests
    cross join {{ json_entries("tests.whole_test") }} as whole
    where json_type(whole.value) not in ('NULL')

    union all

    -- W: the test as a whole (status, time, error) and what performance_metrics holds
    -- besides hardware blocks
    select
        skill_metric_tests.* exclude (test),  -- noqa: RF02, RF03
        whole.key as check_key,
        whole.value as check_value,
        cast(null as varchar) as block_key,
        false as is_bare_string,
        false as is_status_entry
    from skill_metric_tests
    cross join {{ json_entries("skill_metric_tests.test") }} as whole
    where whole.key != 'performance_metrics'

    union all

    select
        skill_metric_tests.* exclude (test),  -- noqa: RF02, RF03
        'performance_metrics.' || whole.key as check_key,
        whole.value as check_value,
        cast(null as varchar) as block_key,
        false as is_bare_string,
        false as is_status_entry
    from skill_metric_tests
    cross join {{ json_entries("skill_metric_tests.test -> 'performance_metrics'") }} as whole
    where json_type(whole.value) != 'OBJECT'

    union all

    select
        hardware_blocks.* exclude (block_key, block),  -- noqa: RF02, RF03
        check_item.key as check_key,
        check_item.value as check_value,
        hardware_blocks.block_key,
        false as is_bare_string,
        false as is_status_entry
    from hardware_blocks
    cross join {{ json_entries("hardware_blocks.block") }} as check_item
    where check_item.key != 'examples'

    union all

    select
        hardware_blocks.* exclude (block_key, block),  -- noqa: RF02, RF03
        'examples[' || example.key || ']' as check_key,
        example.value as check_value,
        hardware_blocks.block_key,
        false as is_bare_string,
        false as is_status_entry
    from hardware_blocks
    cross join {{ json_entries("hardware_blocks.block -> 'examples'") }} as example

    union all

    -- X: the test's examples
    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        cast(null as varchar) as test_module,
        regexp_extract(documents.source_path, '([^/\\]+?)(\.json)?$', 1) as test_name,
        coalesce(
            documents.document -> 'metadata' ->> 'model_id',
            documents.document -> 'metadata' ->> 'model_name',
            documents.document -> 'metadata' ->> 'model_path'
        ) as model_name,
        documents.document_at as test_at,
        'examples[' || example.key || ']' as check_key,
        example.value as check_value,
        cast(null as varchar) as block_key,
        false as is_bare_string,
        false as is_status_entry
    from documents
    cross join {{ json_entries("documents.document -> 'examples'") }} as example
    where documents.source_shape = 'X'

),

described as (

    select
        *,
        case when json_type(check_value) = 'VARCHAR' then check_value ->> '$' end as text_value,
        -- a block keyed by something that is not a hardware type (a model name) names none
        case
            when block_key is not null and {{ legacy_hardware_type('block_key') }} is null
                then block_key
        end as unknown_hardware_key
    from keyed_checks

),

final as (

    select
        ----------  ids
        {{ stable_id([
            'file_id', 'test_name', "coalesce(block_key || '/', '') || check_key"
        ]) }} as check_id,
        file_id,
        run_id,

        ----------  strings
        source_path,
        source_shape,
        test_module,
        test_name,
        model_name,
        check_key,
        case
            when unknown_hardware_key is null
                then coalesce(
                        case
                            when json_type(check_value) = 'OBJECT'
                                then {{ legacy_hardware_type("check_value ->> 'platform'") }}
                        end,
                        {{ legacy_hardware_type('block_key') }},
                        case
                            when check_key like 'platform_status.%'
                                then {{ legacy_hardware_type("substr(check_key, 17)") }}
                        end,
                    {{ legacy_hardware_type(
                        "regexp_extract(check_key, '^(" ~ platform_prefixes ~ ")(_|$)', 1)"
                    ) }}
                    )
        end as hardware_type,
        unknown_hardware_key,
        coalesce(text_value, cast(check_value as varchar)) as check_text,
        case
            when is_bare_string then 'error'
            when text_value is not null and {{ legacy_check_status('text_value') }} is not null
                then {{ legacy_check_status('text_value') }}
            -- an `error` entry with text is the test's error
            when check_key in ('error', 'performance_metrics.error') and trim(text_value) != ''
                then 'error'
            -- a status dict's bare implementation word: the platform ran
            when
                is_status_entry
                and regexp_full_match(upper(trim(text_value)), '\(?(REAL|MOCK|SIMULATED)\)?')
                then 'pass'
            when json_type(check_value) = 'BOOLEAN' and check_key in ('success', 'passed')
                then case when cast(check_value as boolean) then 'pass' else 'fail' end
            when check_key = 'return_code' and json_type(check_value) in ('UBIGINT', 'BIGINT')
                then case when cast(check_value as integer) = 0 then 'pass' else 'fail' end
        end as check_status,
        coalesce(
            check_value ->> 'implementation_type',
            check_value ->> 'implementation',
            nullif(regexp_extract(text_value, '\((REAL|MOCK|SIMULATED)[^)]*\)', 1), '')
        ) as implementation,
        case
            when {{ legacy_text_marker('text_value') }}
                then check_key || ': ' || {{ legacy_quoted('text_value') }}
            when json_type(check_value) = 'OBJECT'
                then check_key || ': ' || nullif(concat_ws(
                        '; ',
                        {{ legacy_simulation_evidence(['check_value']) }},
                        case
                            when {{ legacy_text_marker("check_value ->> 'output'") }}
                                then 'output ' || {{ legacy_quoted("check_value ->> 'output'") }}
                        end
                    ), '')
        end as simulation_evidence,

        ----------  numerics
        -- an example written twice in one test (`cuda_example` and `examples[0]`) counts once
        case
            when row_number() over (
                    partition by file_id, test_name, block_key, cast(check_value as varchar)
                    order by check_key
                ) = 1
                then {{ json_number("check_value -> 'elapsed_time'") }}
        end as elapsed_seconds,
        -- the test's own duration, where a check states it
        case
            when
                check_key in ('elapsed_time', 'execution_time', 'total_execution_time')
                and json_type(check_value) in ('DOUBLE', 'UBIGINT', 'BIGINT')
                then nullif(cast(check_value as double), 0)
        end as test_seconds,

        ----------  booleans
        is_bare_string,

        ----------  timestamps
        coalesce(
            {{ legacy_timestamp("check_value ->> 'timestamp'") }}, test_at
        ) as checked_at,
        test_at

    from described

)

select * from final
