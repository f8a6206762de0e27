with

source as (

    select * from {{ read_landing('test_runs') }}

),

renamed as (

    select

        ----------  ids
        -- the landed row: its file and position (ids inside may repeat: a copied file)
        {{ stable_id(['source_file', 'file_row_number']) }} as landed_row_id,
        run_id,

        ----------  strings
        test_name,
        test_type,
        host,
        git_commit,
        git_branch,
        git_commit_note,
        benchdb_version,
        command_line,
        metadata,

        ----------  numerics
        schema_version,
        execution_time_seconds,
        configurations_total,
        configurations_completed,
        configurations_failed,
        configurations_simulated,
        configurations_noisy,

        ----------  booleans
        success,
        git_is_dirty,

        ----------  timestamps
        started_at,
        completed_at,
        run_date,

        ----------  lineage
        source_file,
        current_timestamp as loaded_at

    from source

)

select * from renamed
