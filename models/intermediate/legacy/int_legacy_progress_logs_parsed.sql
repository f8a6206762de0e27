{#- Shape C (progress log): lists of completed, skipped and failed benchmark runs (a model type
    on a hardware type, with stdout/stderr), and a completion percentage (0-100). Each listed
    run is a test run of its own; no batch size is recorded. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape = 'C'

),

entries as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        list_name.name as list_name,
        entry.key as entry_index,
        entry.value as entry
    from documents
    cross join (
        values ('completed_benchmarks'), ('skipped_benchmarks'), ('failed_benchmarks')
    ) as list_name (name)
    cross join {{ json_entries("documents.document -> list_name.name") }} as entry

),

final as (

    select
        ----------  ids
        {{ stable_id(['file_id', "list_name || '[' || entry_index || ']'"]) }} as entry_run_id,
        file_id,
        run_id as file_run_id,

        ----------  strings
        source_path,
        source_shape,
        coalesce(entry ->> 'model_type', entry ->> 'model') as model_name,
        {{ legacy_hardware_type("coalesce(entry ->> 'hardware_type', entry ->> 'hardware')") }}
            as hardware_type,
        replace(list_name, '_benchmarks', '') as outcome,
        entry ->> 'error_type' as error_type,
        case
            when list_name = 'failed_benchmarks'
                then concat_ws(
                        ': ',
                        entry ->> 'error',
                        {{ legacy_last_line("entry ->> 'stderr'") }}
                    )
            else entry ->> 'error'
        end as error_message,
        nullif(entry ->> 'stderr', '') as error_traceback,

        ----------  booleans
        case list_name
            when 'completed_benchmarks' then true
            when 'failed_benchmarks' then false
        end as success,

        ----------  timestamps
        coalesce({{ legacy_timestamp("entry ->> 'timestamp'") }}, document_at) as started_at

    from entries

)

select * from final
