{#- Legacy test runs: every registered file is one run (run_id = md5 of 'legacy' and its
    sha256); a progress log's listed benchmark runs (C) and a run aggregate's per-family suites
    (F) are runs of their own. A file run succeeded when none of its rows failed, errored or
    timed out (a top-level `success: true` hides failed batches), else as the file says. -#}
with

file_runs as (

    select * from {{ ref('int_legacy_file_runs_parsed') }}

),

results as (

    select * from {{ ref('int_legacy_benchmark_results_flagged') }}

),

tests as (

    select * from {{ ref('int_legacy_integration_test_results') }}

),

progress as (

    select * from {{ ref('int_legacy_progress_logs_parsed') }}

),

families as (

    select * from {{ ref('int_legacy_run_aggregates_parsed') }}

),

outcomes as (

    select
        run_id,
        count(*) as configurations_total,
        count(*) filter (where status = 'completed') as configurations_completed,
        count(*) filter (where status in ('failed', 'error', 'fail', 'timeout', 'oom'))
            as configurations_failed
    from (
        select
            run_id,
            status
        from results
        union all
        select
            run_id,
            status
        from tests
        union all
        select
            file_run_id as run_id,
            case when success then 'completed' else 'failed' end as status
        from progress
        where success is not null
        union all
        select
            file_run_id as run_id,
            case when success then 'completed' else 'failed' end as status
        from families
    ) as all_rows
    group by run_id

),

from_files as (

    select
        file_runs.run_id,
        file_runs.test_name,
        file_runs.test_type,
        file_runs.started_at,
        cast(null as timestamptz) as completed_at,
        file_runs.execution_time_seconds,
        case
            when outcomes.configurations_failed > 0 then false
            when file_runs.stated_success = false then false
            when outcomes.configurations_total > 0 then true
            else file_runs.stated_success
        end as success,
        file_runs.command_line,
        file_runs.metadata,
        file_runs.host,
        cast(outcomes.configurations_total as integer) as configurations_total,
        cast(outcomes.configurations_completed as integer) as configurations_completed,
        cast(outcomes.configurations_failed as integer) as configurations_failed,
        file_runs.success_rate,
        cast(null as varchar) as error_message,
        cast(null as varchar) as parent_run_id,
        file_runs.source_path,
        file_runs.source_shape
    from file_runs
    left join outcomes
        on file_runs.run_id = outcomes.run_id

),

from_progress as (

    select
        progress.entry_run_id as run_id,
        'benchmark ' || progress.model_name || ' on ' || progress.hardware_type as test_name,
        'performance' as test_type,
        progress.started_at,
        progress.success,
        json_object(
            'outcome', progress.outcome,
            'error_type', progress.error_type,
            'error_traceback', progress.error_traceback
        ) as metadata,
        progress.error_message,
        progress.file_run_id as parent_run_id,
        progress.source_path,
        progress.source_shape
    from progress

),

from_families as (

    select
        families.family_run_id as run_id,
        'performance suite: ' || families.legacy_family as test_name,
        'performance' as test_type,
        families.started_at,
        families.success,
        json_object(
            'outcome', families.outcome_status, 'error_traceback', families.error_traceback
        ) as metadata,
        families.error_message,
        families.file_run_id as parent_run_id,
        families.source_path,
        families.source_shape
    from families

),

final as (

    -- by name, in from_files' column order: what a listed run does not record is NULL
    select * from from_files
    union all by name
    select * from from_progress
    union all by name
    select * from from_families

)

select * from final
