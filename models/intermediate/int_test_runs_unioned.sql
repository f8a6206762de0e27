{#- Every test run: runner and API runs from the landing zone, and legacy runs (one per
    migrated file, plus the runs listed inside progress logs and run aggregates). Union by
    name: a column only one side has is NULL on the other. -#}
with

landing_runs as (

    -- a file copied under another name is one copy (rejected_rows lists the others)
    select {{ star_except() }} (landed_row_id) from {{ ref('stg_landing__test_runs') }}
    qualify {{ is_first_landed_copy('run_id') }}

),

-- the legacy side is left out where the engine has none (reads_legacy, docs/spark.md)
-- noqa: disable=LT02
{%- if reads_legacy() %}

legacy_runs as (

    select * from {{ ref('int_legacy_test_runs') }}

),
{%- endif %}

unioned as (

    select
        {{ star_except() }} (schema_version, run_date),  -- noqa: RF02, RF03
        {{ try_json('metadata') }} as metadata_json,
        'runner' as run_source{{ legacy_only_columns('test_runs') }}
    from landing_runs
    {%- if reads_legacy() %}

    union all by name

    select
        * exclude (metadata),  -- noqa: RF02, RF03
        metadata as metadata_json,
        'legacy' as run_source
    from legacy_runs
    {%- endif %}
    -- noqa: enable=LT02

)

select * from unioned
