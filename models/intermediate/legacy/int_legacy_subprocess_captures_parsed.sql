{#- Shape M (subprocess capture): the test's results were printed to stdout as a Python repr,
    which is not JSON, and the capture kept only the start of it. Nothing in it can be read as
    a result: one row says so, with the parse error, return code and elapsed time. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    -- a capture that kept a json_result is read check by check (int_legacy_status_checks_parsed)
    where source_shape = 'M' and coalesce(json_type(document -> 'json_result'), '') != 'OBJECT'

),

final as (

    select
        ----------  ids
        {{ stable_id(['file_id', "'$'"]) }} as legacy_row_id,
        file_id,
        run_id,
        concat_ws('|', 'capture', file_id) as test_key,

        ----------  strings
        source_path,
        source_shape,
        document ->> 'test_file' as test_module,
        document ->> 'test_file' as test_name,
        nullif(regexp_extract(document ->> 'test_file', 'test_hf_(\w+)\.py', 1), '') as model_name,
        cast(null as varchar) as hardware_type,
        case
            when document ->> 'json_parse_error' is not null then 'error'
            when {{ json_integer("document -> 'return_code'") }} = 0 then 'pass'
            else 'fail'
        end as status,
        case
            when document ->> 'json_parse_error' is not null
                then 'results printed to stdout could not be read: '
                    || (document ->> 'json_parse_error')
            when {{ json_integer("document -> 'return_code'") }} != 0
                then 'exit code ' || (document ->> 'return_code')
        end as error_message,
        nullif(document ->> 'stderr', '') as error_traceback,
        json_object(
            'return_code', {{ json_integer("document -> 'return_code'") }},
            'stdout', document ->> 'stdout'
        ) as metadata,
        {{ legacy_simulation_evidence(['document']) }} as simulation_evidence,

        ----------  numerics
        {{ json_number("document -> 'elapsed_time'") }} as execution_time_seconds,

        ----------  timestamps
        document_at as executed_at

    from documents

)

select * from final
