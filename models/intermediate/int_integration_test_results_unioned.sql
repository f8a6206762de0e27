{#- Integration test results from legacy files and from the API, in one shape. -#}
with

-- the legacy side is left out where the engine has none (reads_legacy, docs/spark.md)
-- noqa: disable=LT02
{%- if reads_legacy() %}

legacy as (

    select * from {{ ref('int_legacy_integration_test_results') }}

),
{%- endif %}

stored as (

    -- a row a rule refused is left out, and a file copied under another name is one copy
    -- (rejected_rows lists both)
    select
        {{ star_except() }} (
            landed_row_id, value_rejections, rejection_rule, rejected_column, rejected_value
        )
    from {{ ref('stg_landing__integration_results') }}
    where rejection_rule is null
    qualify {{ is_first_landed_copy('test_result_id') }}

),

from_api as (

    -- the nested assertions are unnested in int_integration_test_assertions_unioned
    select
        {{ star_except() }} (schema_version, run_date, assertions),  -- noqa: RF02, RF03
        false as is_simulated,
        'api' as result_source
    from stored

),

unioned as (

    -- by name: a column one side lacks (the legacy file, the API's host) is NULL there
    {%- if reads_legacy() %}
    select * from legacy
    union all by name
    select * from from_api
    {%- else %}
    select *{{ legacy_only_columns('integration_results') }} from from_api
    {%- endif %}
    -- noqa: enable=LT02

)

select * from unioned
