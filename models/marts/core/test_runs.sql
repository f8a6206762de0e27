{#- One row per test run: runner and API runs from the landing zone, and legacy runs (one per
    migrated file, and the runs listed inside legacy progress logs and run aggregates), and a
    row for each run whose results landed without its run record (`has_run_record` false). -#}
with

runs as (

    select * from {{ ref('int_test_runs_unioned') }}

),

final as (

    select
        run_id,
        test_name,
        test_type,
        started_at,
        completed_at,
        execution_time_seconds,
        success,
        git_commit,
        git_branch,
        command_line,
        metadata_json as metadata,
        coalesce(completed_at, started_at) as created_at,
        host,
        configurations_total,
        configurations_completed,
        configurations_failed,
        {{ star_except() }} (
            run_id,
            test_name,
            test_type,
            started_at,
            completed_at,
            execution_time_seconds,
            success,
            git_commit,
            git_branch,
            command_line,
            metadata,
            metadata_json,
            host,
            configurations_total,
            configurations_completed,
            configurations_failed,
            configurations_noisy,
            git_is_dirty,
            git_commit_note,
            benchdb_version,
            has_run_record,
            run_record_note,
            -- bookkeeping of the incremental staging, not the run's
            source_file,
            loaded_at
        ),
        -- added after the first release: appended, so earlier columns keep their places
        configurations_noisy,
        git_is_dirty,
        git_commit_note,
        benchdb_version,
        has_run_record,
        run_record_note
    from runs

)

select * from final
