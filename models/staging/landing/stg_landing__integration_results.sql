{#- One row per integration test result the API stored, as landed, checked against the value
    rules (docs/landing_zone.md, "Bad rows and values"): a status other than pass, fail, error
    or skip, or a negative or non-finite execution time, is NULL here with its reason in
    `value_rejections` (rejected_rows lists it); the row stays, and so does a list of assertions
    one of which has no assertion_id (the list is NULL). A row without test_result_id or run_id
    is refused whole: `rejection_rule` says which (int_integration_test_results_unioned leaves
    it out, rejected_rows lists it). -#}
{%- set statuses = ['pass', 'fail', 'error', 'skip'] %}
{%- set assertion_ids_missing = 'not ' ~ list_all(
    'assertions',
    'check_result',
    'nullif(trim(' ~ struct_field('check_result', 'assertion_id') ~ "), '') is not null",
) %}
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
        {{ star_replace(['status', 'execution_time_seconds', 'assertions']) }}
            {{ vocabulary_or_null('status', statuses) }} as status,
            {{ finite_non_negative_or_null('execution_time_seconds') }} as execution_time_seconds,
            case when not ({{ assertion_ids_missing }}) then assertions end as assertions
        {{ end_star_replace() }},
        {{ value_rejections([
            vocabulary_rule('status', statuses),
            finite_non_negative_rule('execution_time_seconds'),
            rule(
                assertion_ids_missing,
                "'required: assertion_id of every assertion: the assertions are NULL'",
                'assertions',
                'left(cast(assertions as ' ~ text_type() ~ '), 200)',
            ),
        ]) }} as value_rejections,
        -- a result without its id or run is left out, listed in rejected_rows
        {{ first_rejection(required_rules({'test_result_id': true, 'run_id': true})) }}
            as row_rejection
    from renamed

),

final as (

    select
        {{ star_except() }} (row_rejection),
        {{ rejection_columns('row_rejection') }}
    from checked

)

select * from final
