{#- Shapes P (a top-level array of test records) and R (one record of a model on hardware):
    model, platform, success, and the error as a message, a traceback or stderr. A record whose
    test crashed (an exception in stderr or traceback) has status `error`. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape in ('P', 'R')

),

records as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        '[' || item.key || ']' as record_key,
        item.value as record
    from documents
    cross join {{ json_entries("documents.document") }} as item
    where documents.source_shape = 'P'

    union all

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        '$' as record_key,
        documents.document as record
    from documents
    where documents.source_shape = 'R'

),

final as (

    select
        ----------  ids
        {{ stable_id(['file_id', 'record_key']) }} as legacy_row_id,
        file_id,
        run_id,
        concat_ws(
            '|', 'record', record ->> 'model',
            lower(coalesce(record ->> 'platform', record ->> 'hardware')),
            coalesce(record ->> 'file_path', ''), record ->> 'timestamp'
        ) as test_key,

        ----------  strings
        source_path,
        source_shape,
        coalesce(
            regexp_extract(record ->> 'file_path', '([^/\\]+)$', 1),
            nullif(
                regexp_extract(record ->> 'traceback', 'File "[^"]*[/\\](test_[^"/\\]+\.py)"', 1),
                ''
            )
        ) as test_module,
        (record ->> 'model')
        || ' on '
        || lower(coalesce(record ->> 'platform', record ->> 'hardware'))
            as test_name,
        record ->> 'model' as model_name,
        {{ legacy_hardware_type("coalesce(record ->> 'platform', record ->> 'hardware')") }}
            as hardware_type,
        case
            when try_cast(record ->> 'success' as boolean) then 'pass'
            when coalesce(record ->> 'error', record ->> 'traceback', record ->> 'stderr', '') != ''
                then 'error'
            else 'fail'
        end as status,
        case
            when not coalesce(try_cast(record ->> 'success' as boolean), false)
                then coalesce(
                        record ->> 'error',
                        {{ legacy_last_line("record ->> 'stderr'") }},
                        'failed; the legacy file records no error'
                    )
        end as error_message,
        coalesce(record ->> 'traceback', nullif(record ->> 'stderr', '')) as error_traceback,
        json_object(
            'return_code',
            try_cast(coalesce(record ->> 'returncode', record ->> 'return_code') as integer),
            'file_path', record ->> 'file_path',
            'stdout', nullif(record ->> 'stdout', '')
        ) as metadata,
        {{ legacy_simulation_evidence(['record']) }} as simulation_evidence,

        ----------  numerics
        -- the old system wrote 0 for times it did not measure
        coalesce(
            nullif({{ json_number("record -> 'total_execution_time'") }}, 0),
            nullif({{ json_number("record -> 'execution_time'") }}, 0)
        ) as execution_time_seconds,

        ----------  timestamps
        coalesce({{ legacy_timestamp("record ->> 'timestamp'") }}, document_at) as executed_at

    from records

)

select * from final
