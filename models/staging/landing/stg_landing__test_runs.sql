{#- One row per run, as landed, checked against the value rules (docs/landing_zone.md, "Bad rows
    and values"): a completion before the start, or a negative or non-finite wall time, is NULL
    here with its reason in `value_rejections` (rejected_rows lists them), and so is a test type
    outside the vocabulary; the run stays. A run without its run_id is refused whole:
    `rejection_rule` says so (int_test_runs_unioned leaves it out, rejected_rows lists it). -#}
{%- set test_types = ['performance', 'hardware', 'compatibility', 'integration'] %}
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

),

checked as (

    select
        {{ star_replace(['test_type', 'completed_at', 'execution_time_seconds']) }}
            {{ vocabulary_or_null('test_type', test_types) }} as test_type,
            -- which of the two clocks is wrong is unknown: the start stays (the run's date)
            case
                when not coalesce(completed_at < started_at, false) then completed_at
            end as completed_at,
            {{ finite_non_negative_or_null('execution_time_seconds') }} as execution_time_seconds
        {{ end_star_replace() }},
        {{ value_rejections([
            vocabulary_rule('test_type', test_types),
            rule(
                'completed_at < started_at',
                "'order: completed_at before started_at (' || cast(started_at as "
                ~ text_type() ~ ") || '): completed_at is NULL'",
                'completed_at',
            ),
            finite_non_negative_rule('execution_time_seconds'),
        ]) }} as value_rejections,
        -- a run without its id is left out (int_test_runs_unioned), listed in rejected_rows
        {{ first_rejection(required_rules({'run_id': true})) }} as row_rejection
    from renamed

),

final as (

    select
        {{ star_except() }} (row_rejection),
        {{ rejection_columns('row_rejection') }}
    from checked

)

select * from final
