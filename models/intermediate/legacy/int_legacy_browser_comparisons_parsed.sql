{#- Shape T (browser comparison): tests of one model in several browsers, with and without
    compute shaders, and the improvement each measured (percent). No time field: the time is
    the epoch in the original file name. The web platform is the one the original folder
    names (webgpu or webnn), else unknown. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape = 'T'

),

tests as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        documents.document ->> 'model' as document_model,
        test.key as test_index,
        test.value as test
    from documents
    cross join {{ json_entries("documents.document -> 'tests'") }} as test

),

final as (

    select
        ----------  ids
        {{ stable_id(['file_id', 'test_index']) }} as legacy_row_id,
        file_id,
        run_id,
        concat_ws('|', 'browser', file_id, test_index) as test_key,

        ----------  strings
        source_path,
        source_shape,
        'browser_comparison' as test_module,
        coalesce(
            test ->> 'name',
            concat_ws(' ', test ->> 'browser', 'compute_shaders=' || (test ->> 'compute_shaders'))
        ) as test_name,
        coalesce(test ->> 'model', document_model) as model_name,
        nullif(regexp_extract(lower(source_path), '(webgpu|webnn)', 1), '') as hardware_type,
        case
            when try_cast(test ->> 'success' as boolean) then 'pass'
            when try_cast(test ->> 'success' as boolean) = false then 'fail'
        end as status,
        case
            when try_cast(test ->> 'success' as boolean) = false
                then coalesce(test ->> 'error', 'failed; the legacy file records no error')
        end as error_message,
        cast(null as varchar) as error_traceback,
        json_object(
            'browser', test ->> 'browser',
            'compute_shaders', try_cast(test ->> 'compute_shaders' as boolean),
            'improvement_percentage',
            {{ json_number("test -> 'performance' -> 'improvement_percentage'") }}
        ) as metadata,
        {{ legacy_simulation_evidence(['test']) }} as simulation_evidence,

        ----------  numerics
        cast(null as double) as execution_time_seconds,

        ----------  timestamps
        document_at as executed_at

    from tests

)

select * from final
