{#- One row per integration test result the API stored, as landed, checked against the value
    rules (docs/landing_zone.md, "Bad rows and values"): a status other than pass, fail, error
    or skip, or a negative or non-finite execution time, is NULL here with its reason in
    `value_rejections` (rejected_rows lists it); the row stays. -#}
{%- set statuses = ['pass', 'fail', 'error', 'skip'] %}
with

source as (

    select * from {{ read_landing('integration_results') }}

),

renamed as (

    select

        ----------  ids
        -- the landed row: its file and position (ids inside may repeat: a copied file)
        {{ stable_id(['source_file', 'file_row_number']) }} as landed_row_id,
        test_result_id,
        run_id,

        ----------  strings
        test_module,
        test_class,
        test_name,
        lower(status) as status,
        model_name,
        hardware_type,
        device_name,
        error_message,
        error_traceback,
        metadata,
        host,

        ----------  numerics
        schema_version,
        execution_time_seconds,
        assertions,

        ----------  timestamps
        executed_at,
        run_date,

        ----------  lineage
        source_file,
        current_timestamp as loaded_at

    from source

),

checked as (

    -- a status outside the vocabulary, a negative or non-finite time: NULL, listed in
    -- rejected_rows; the result stays
    select
        {{ star_replace(['status', 'execution_time_seconds']) }}
            {{ vocabulary_or_null('status', statuses) }} as status,
            {{ finite_non_negative_or_null('execution_time_seconds') }} as execution_time_seconds
        {{ end_star_replace() }},
        {{ value_rejections([
            vocabulary_rule('status', statuses),
            finite_non_negative_rule('execution_time_seconds'),
        ]) }} as value_rejections
    from renamed

)

select * from checked
