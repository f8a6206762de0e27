{#- Shape F (run aggregate), its own part: per family, the outcome of the performance suite
    (a shape E document, parsed in int_legacy_suite_results_parsed, or an error with a traceback),
    and the models it named. The functionality blocks are parsed with shape Q
    (int_legacy_functionality_reports_parsed). One row per family. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape = 'F'

),

families as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        family_item.key as family_key,
        family_item.value as outcome
    from documents
    cross join {{ json_entries("documents.document -> 'performance_benchmarks'") }} as family_item

),

final as (

    select
        ----------  ids
        {{ stable_id(['file_id', "'performance_benchmarks.' || family_key"]) }}
            as family_run_id,
        file_id,
        run_id as file_run_id,

        ----------  strings
        source_path,
        source_shape,
        family_key as legacy_family,
        coalesce(
            outcome ->> 'status',
            case when json_type(outcome -> 'benchmarks') = 'OBJECT' then 'completed' end
        ) as outcome_status,
        case
            when outcome ->> 'error' is not null then {{ legacy_last_line("outcome ->> 'error'") }}
        end as error_message,
        outcome ->> 'error' as error_traceback,

        ----------  booleans
        outcome ->> 'error' is null as success,

        ----------  timestamps
        coalesce({{ legacy_timestamp("outcome ->> 'timestamp'") }}, document_at) as started_at

    from families

)

select * from final
