{#- One row per run, as landed, checked against the value rules (docs/landing_zone.md, "Bad rows
    and values"): a completion before the start, or a negative or non-finite wall time, is NULL
    here with its reason in `value_rejections` (rejected_rows lists them); the run stays. -#}
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

-- noqa: disable=LT02
{% if target.type != 'spark' -%}
checked as (

    select
        * replace (
            -- which of the two clocks is wrong is unknown: the start stays (the run's date)
            case
                when not coalesce(completed_at < started_at, false) then completed_at
            end as completed_at,
            case
                when isfinite(execution_time_seconds) and execution_time_seconds >= 0
                    then execution_time_seconds
            end as execution_time_seconds
        ),
        list_concat(
            case
                when completed_at < started_at
                    then [{{ rejection(
                        "'order: completed_at before started_at ('
                        || cast(started_at as varchar) || '): completed_at is NULL'",
                        'completed_at',
                        'completed_at',
                    ) }}]
                else []
            end,
            case
                when not (isfinite(execution_time_seconds) and execution_time_seconds >= 0)
                    then [{{ rejection(
                        "'range: execution_time_seconds must be a finite number, 0 or more'",
                        'execution_time_seconds',
                        'execution_time_seconds',
                    ) }}]
                else []
            end
        ) as value_rejections
    from renamed

)
{%- else -%}
-- the order and range rules above are DuckDB SQL so far: on Spark (docs/spark.md) a run's times
-- are taken as landed
checked as (

    select
        *,
        cast(
            array() as array<
                struct<rejection_rule: string, column_name: string, reported_value: string>
            >
        ) as value_rejections
    from renamed

)
{%- endif %}
-- noqa: enable=LT02

select * from checked
