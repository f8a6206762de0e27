with

runs as (

    select * from {{ ref('stg_landing__test_runs') }}

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
        try_cast(metadata as json) as metadata,
        completed_at as created_at,
        host,
        configurations_total,
        configurations_completed,
        configurations_failed
    from runs

)

select * from final
