{#- Every benchmark result, whatever wrote it, in one shape. Runner rows come from the landing
    zone; other sources (legacy JSON) are unioned here by column name. `loaded_at` says when a
    build loaded the row: incremental models downstream read what is newer than their own. -#}
with

runner_results as (

    -- rows that break a rule, and second copies of a result, are in rejected_rows instead
    select
        {{ star_except() }} (
            landed_row_id, rejection_rule, rejected_column, rejected_value, value_rejections
        )
    from {{ ref('int_landing_benchmark_results_checked') }}
    where rejection_rule is null

),

-- the legacy side is left out where the engine has none (reads_legacy, docs/spark.md)
-- noqa: disable=LT02
{%- if reads_legacy() %}

legacy_results as (

    -- web results (shapes J and K) never recorded a batch size: it stays NULL, never guessed.
    -- A failed configuration has no result: numbers a file states beside a failure (shape K)
    -- stay in source_details, not in the metric columns.
    select
        * replace (
            case when status = 'failed' then null else latency_mean_ms end as latency_mean_ms,
            case
                when status = 'failed' then null else throughput_items_per_second
            end as throughput_items_per_second,
            case when status = 'failed' then null else memory_peak_mb end as memory_peak_mb
        )
    from {{ ref('int_legacy_benchmark_results_deduplicated') }}

),
{%- endif %}

unioned as (

    -- by name: each side's columns are named where they are produced (the landing contract,
    -- the legacy parsers); a column one side lacks (a legacy file's percentiles, a runner
    -- row's source file) is NULL there
    select
        {{ star_except() }} (schema_version, run_date),  -- noqa: RF02, RF03
        -- api: stored through BenchmarkDBAPI or POST /performance (its run's metadata says
        -- `stored_through`, benchdb/store.py): the caller's numbers, not a runner measurement
        case
            when
                run_id in (
                    select api_runs.run_id
                    from {{ ref('stg_landing__test_runs') }} as api_runs
                    where
                        {{ json_field_text('api_runs.metadata', '$.stored_through') }} is not null
                )
                then 'api'
            else 'runner'
        end as result_source{{ legacy_only_columns('benchmark_results') }}
    from runner_results
    {%- if reads_legacy() %}

    union all by name

    -- legacy files are parsed again by every build: their rows count as loaded now
    select
        *,
        current_timestamp as loaded_at
    from legacy_results
    {%- endif %}
    -- noqa: enable=LT02

)

select * from unioned
