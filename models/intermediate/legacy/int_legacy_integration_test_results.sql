{#- Every legacy integration test result in the old table's shape: test records (P, R),
    functionality reports (Q, and F's blocks), critical model tests (N), subprocess captures
    (M without a json_result), browser comparisons (T), and the status checks of skill and
    hardware tests (L, O, M with a json_result, V, W, X) grouped into one result per test and
    platform (each check is kept as an assertion).
    The same test found twice (F copies a hardware block under another key) is kept once. -#}
with

test_records as (

    select * from {{ ref('int_legacy_test_records_parsed') }}

),

functionality as (

    select * from {{ ref('int_legacy_functionality_reports_parsed') }}

),

critical as (

    select * from {{ ref('int_legacy_critical_model_tests_parsed') }}

),

captures as (

    select * from {{ ref('int_legacy_subprocess_captures_parsed') }}

),

browsers as (

    select * from {{ ref('int_legacy_browser_comparisons_parsed') }}

),

checks as (

    select * from {{ ref('int_legacy_status_checks_parsed') }}

),

documents as (

    select
        file_id,
        time_zone_basis
    from {{ ref('int_legacy_documents_registered') }}

),

grouped_checks as (

    -- one result per test and platform; a block keyed by something that is not a hardware
    -- type (a model name) is a result of its own, with no hardware and a note saying why
    select
        {{ stable_id([
            'file_id', 'test_name',
            "coalesce(hardware_type, '') || coalesce('?' || unknown_hardware_key, '')"
        ]) }} as legacy_row_id,
        file_id,
        run_id,
        concat_ws(
            '|', 'checks', file_id, test_name,
            coalesce(hardware_type, '') || coalesce('?' || unknown_hardware_key, '')
        ) as test_key,
        source_path,
        source_shape,
        any_value(test_module) as test_module,
        test_name,
        any_value(model_name) as model_name,
        hardware_type,
        case
            when bool_or(check_status = 'error') then 'error'
            when bool_or(check_status = 'fail') then 'fail'
            when bool_or(check_status = 'pass') then 'pass'
            when bool_or(check_status = 'skip') then 'skip'
        end as status,
        nullif(concat_ws(
            '; ',
            {{ legacy_hardware_key_note('any_value(unknown_hardware_key)') }},
            string_agg(check_key || ': ' || check_text, '; ' order by check_key)
            filter (where check_status in ('error', 'fail'))
        ), '') as error_message,
        cast(null as varchar) as error_traceback,
        json_object(
            'checks', count(*),
            -- sorted: the same list on every build
            'implementations', list(distinct implementation order by implementation) filter (
                where implementation is not null
            ),
            'hardware_key', any_value(unknown_hardware_key)
        ) as metadata,
        string_agg(distinct simulation_evidence, '; ' order by simulation_evidence)
            as simulation_evidence,
        coalesce(max(test_seconds), sum(elapsed_seconds)) as execution_time_seconds,
        min(checked_at) as executed_at
    from checks
    group by
        file_id, run_id, source_path, source_shape, test_name, hardware_type, unknown_hardware_key

),

unioned as (

    select * from test_records
    union all by name
    select
        * exclude (
            block_key,
            stats_hardware_type,
            stats_success_rate,
            stats_total_tests,
            stats_models_tested
        )
    from functionality
    union all by name
    select * from critical
    union all by name
    select * from captures
    union all by name
    select * from browsers
    union all by name
    select * from grouped_checks

),

deduplicated as (

    select
        *,
        count(*) over (partition by test_key) as copies_found
    from unioned
    qualify row_number() over (partition by test_key order by source_path, legacy_row_id) = 1

),

with_time_zone as (

    select
        deduplicated.*,
        documents.time_zone_basis
    from deduplicated
    left join documents
        on deduplicated.file_id = documents.file_id

),

final as (

    select
        {{ stable_id(['test_key']) }} as test_result_id,
        run_id,
        test_module,
        test_name,
        status,
        execution_time_seconds,
        -- one name per model: an alias (seeds/model_aliases.csv) becomes its catalog name
        {{ legacy_model_name('model_name') }} as model_name,
        hardware_type,
        error_message,
        error_traceback,
        json_merge_patch(
            coalesce(metadata, '{}'),
            json_object('copies_found', copies_found, 'time_zone', time_zone_basis)
        ) as metadata,
        simulation_evidence is not null as is_simulated,
        simulation_evidence as simulation_reason,
        executed_at,
        'legacy' as result_source,
        source_path,
        source_shape,
        legacy_row_id,
        file_id
    from with_time_zone

)

select * from final
