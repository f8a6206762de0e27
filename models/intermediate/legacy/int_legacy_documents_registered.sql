{#- One row per registered legacy document (distinct content), with the provenance of its first
    registration and the document's own time. Every shape parser (int_legacy_*_parsed) reads
    from here. Materialised as a table so the JSON files are read once per build. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('stg_legacy__documents') }}

),

manifest as (

    select * from {{ ref('stg_legacy__manifest') }}

),

first_registration as (

    select *
    from manifest
    where status = 'registered'
    qualify row_number() over (
            partition by file_id order by registered_at, source_path
        ) = 1

),

final as (

    select
        first_registration.file_id,
        {{ stable_id(["'legacy'", 'first_registration.file_id']) }} as run_id,
        first_registration.source_path,
        first_registration.source_shape,
        first_registration.shape_family,
        first_registration.category,
        first_registration.rows_expected,
        first_registration.path_time_at,
        -- the document's own time, wherever its shape keeps it; else the time in its path
        coalesce(
            {{ legacy_timestamp("documents.document ->> 'timestamp'") }},
            {{ legacy_timestamp("documents.document ->> 'test_timestamp'") }},
            {{ legacy_timestamp("documents.document -> 'metadata' ->> 'timestamp'") }},
            {{ legacy_timestamp("documents.document -> 'stats' ->> 'timestamp'") }},
            {{ legacy_timestamp("documents.document -> 0 ->> 'timestamp'") }},
            first_registration.path_time_at
        ) as document_at,
        documents.document
    from first_registration
    inner join documents
        on first_registration.file_id = documents.file_id

)

select * from final
