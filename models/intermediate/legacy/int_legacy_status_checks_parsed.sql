{#- Shapes L (skill tests) and O (hardware test runs): flat dicts of checks whose values are
    status strings ("Success (REAL)", "Error: ...", "CUDA not available"), shapes, outputs,
    numbers or example objects. One row per check; the key's prefix names the platform
    (cpu_, cuda_, openvino_, apple_ -> mps, qualcomm_ -> qnn; none: the test as a whole).
    A test that is a bare string (O) is one check whose text is its error. The intermediate
    layer groups checks into integration test results and keeps each as an assertion. -#}
{{ config(materialized='table') }}

{%- set platform_prefixes = 'cpu|cuda|openvino|apple|qualcomm|mps|rocm|qnn|webgpu|webnn' -%}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape in ('L', 'O')

),

skill_tests as (

    select
        documents.* exclude (documents.document),  -- noqa: RF02, RF03
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
        json_type(documents.document -> 'results' -> 'status') = 'OBJECT' as is_nested
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
        false as is_nested
    from documents
    cross join json_each(documents.document) as test
    where documents.source_shape = 'O'

),

tests as (

    select * from skill_tests
    union all by name
    select * from hardware_tests

),

keyed_checks as (

    select
        tests.* exclude (checks, examples),  -- noqa: RF02, RF03
        check_item.key as check_key,
        check_item.value as check_value,
        false as is_bare_string
    from tests
    cross join json_each(tests.checks) as check_item
    where
        json_type(tests.checks) = 'OBJECT'
        -- in the flat layout the examples and metadata are not checks of their own
        and not (tests.is_nested and check_item.key in ('examples', 'metadata'))

    union all

    select
        tests.* exclude (checks, examples),  -- noqa: RF02, RF03
        'result' as check_key,
        tests.checks as check_value,
        true as is_bare_string
    from tests
    where json_type(tests.checks) = 'VARCHAR'

    union all

    select
        tests.* exclude (checks, examples),  -- noqa: RF02, RF03
        'examples[' || example.key || ']' as check_key,
        example.value as check_value,
        false as is_bare_string
    from tests
    cross join json_each(tests.examples) as example
    where json_type(tests.examples) = 'ARRAY'

),

final as (

    select
        ----------  ids
        {{ stable_id(['file_id', 'test_name', 'check_key']) }} as check_id,
        file_id,
        run_id,

        ----------  strings
        source_path,
        source_shape,
        test_module,
        test_name,
        model_name,
        check_key,
        coalesce(
            {{ legacy_hardware_type("check_value ->> 'platform'") }},
            {{ legacy_hardware_type(
                "regexp_extract(check_key, '^(" ~ platform_prefixes ~ ")_', 1)"
            ) }}
        ) as hardware_type,
        case
            when json_type(check_value) = 'VARCHAR' then check_value ->> '$'
            else cast(check_value as varchar)
        end as check_text,
        case
            when is_bare_string then 'error'
            when json_type(check_value) = 'VARCHAR'
                then {{ legacy_check_status("check_value ->> '$'") }}
        end as check_status,
        coalesce(
            check_value ->> 'implementation_type',
            check_value ->> 'implementation',
            nullif(regexp_extract(check_value ->> '$', '\((REAL|MOCK|SIMULATED)[^)]*\)', 1), '')
        ) as implementation,
        case
            when regexp_matches(upper(coalesce(check_value ->> '$', '')), '\(MOCK|\(SIMULAT')
                then 'status ' || (check_value ->> '$')
            else {{ legacy_simulation_evidence(['check_value']) }}
        end as simulation_evidence,

        ----------  numerics
        try_cast(check_value ->> 'elapsed_time' as double) as elapsed_seconds,

        ----------  booleans
        is_bare_string,

        ----------  timestamps
        coalesce(
            {{ legacy_timestamp("check_value ->> 'timestamp'") }}, test_at
        ) as checked_at,
        test_at

    from keyed_checks

)

select * from final
