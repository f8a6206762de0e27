{#- Every test run: runner and API runs from the landing zone, legacy runs (one per migrated
    file, plus the runs listed inside progress logs and run aggregates), and the runs whose
    results landed without their run record (its test_runs file never landed, or was withdrawn).
    Those results are true measurements and stay: their run gets a row built from what the
    results say (run id, earliest and latest time, host when they agree), everything else
    unknown is NULL, `has_run_record` is false and `run_record_note` says why. Union by name: a
    column only one side has is NULL on the other. -#}
with

landing_runs as (

    -- a run a rule refused is left out, and a file copied under another name is one copy
    -- (rejected_rows lists both)
    select
        {{ star_except() }} (
            landed_row_id, value_rejections, rejection_rule, rejected_column, rejected_value
        )
    from {{ ref('stg_landing__test_runs') }}
    where rejection_rule is null
    qualify {{ is_first_landed_copy('run_id') }}

),

-- the legacy side is left out where the engine has none (reads_legacy, docs/spark.md)
-- noqa: disable=LT02
{%- if reads_legacy() %}

legacy_runs as (

    select * from {{ ref('int_legacy_test_runs') }}

),

landed_results as (

    -- what landed rows of each kind say about their run (rows that break a rule are left out)
    select
        run_id,
        'performance' as test_type,
        'benchmark result' as result_kind,
        measured_at as recorded_at,
        host,
        requested_hardware_type as hardware_type
    from {{ ref('int_landing_benchmark_results_checked') }}
    where rejection_rule is null

    union all

    select
        run_id,
        'compatibility' as test_type,
        'compatibility result' as result_kind,
        tested_at as recorded_at,
        host,
        hardware_type
    from {{ ref('stg_landing__compatibility_results') }}
    where rejection_rule is null

    union all

    select
        run_id,
        'integration' as test_type,
        'integration result' as result_kind,
        executed_at as recorded_at,
        cast(null as varchar) as host,  -- noqa: RF04
        hardware_type
    from {{ ref('stg_landing__integration_results') }}
    where rejection_rule is null

),

runs_without_record as (

    select
        landed_results.run_id,
        -- one kind of result: its test type; several: unknown
        case
            when count(distinct landed_results.test_type) = 1
                then any_value(landed_results.test_type)
        end as test_type,
        min(landed_results.recorded_at) as started_at,
        max(landed_results.recorded_at) as completed_at,
        case
            when count(distinct landed_results.host) = 1 then any_value(landed_results.host)
        end as host,  -- noqa: RF04
        'run record not landed: a row built from its '
        || cast(count(*) as varchar)
        || ' landed '
        || string_agg(distinct landed_results.result_kind, ', ' order by landed_results.result_kind)
        || '(s) on '
        || coalesce(
            string_agg(
                distinct landed_results.hardware_type, ', ' order by landed_results.hardware_type
            ),
            'unknown hardware'
        )
        || '; start and end are its earliest and latest result times' as run_record_note
    from landed_results
    left join landing_runs
        on landed_results.run_id = landing_runs.run_id
    left join legacy_runs
        on landed_results.run_id = legacy_runs.run_id
    where
        landed_results.run_id is not null
        and landing_runs.run_id is null
        and legacy_runs.run_id is null
    group by landed_results.run_id

),
{%- endif %}

unioned as (

    select
        {{ star_except() }} (schema_version, run_date),  -- noqa: RF02, RF03
        {{ try_json('metadata') }} as metadata_json,
        'runner' as run_source,
        true as has_run_record{{ legacy_only_columns('test_runs') }}
        {%- if not reads_legacy() %},
        cast(null as string) as run_record_note
        {%- endif %}
    from landing_runs
    {%- if reads_legacy() %}

    union all by name

    select
        * exclude (metadata),  -- noqa: RF02, RF03
        metadata as metadata_json,
        'legacy' as run_source,
        true as has_run_record
    from legacy_runs

    union all by name

    select
        *,
        'runner' as run_source,
        false as has_run_record
    from runs_without_record
    {%- endif %}
    -- noqa: enable=LT02

)

select * from unioned
