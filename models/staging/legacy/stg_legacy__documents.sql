{#- Base model: one row per registered legacy document (distinct content), with the provenance
    of its first registration. Every shape family's staging model reads from here. Materialised
    as a table so the JSON files are read once per build. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ read_legacy('documents') }}

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

parsed as (

    select
        regexp_extract(filename, '([0-9a-f]{64})\.json$', 1) as file_id,
        json as document  -- noqa: RF04
    from documents

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
            {{ legacy_timestamp("parsed.document ->> 'timestamp'") }},
            {{ legacy_timestamp("parsed.document ->> 'test_timestamp'") }},
            {{ legacy_timestamp("parsed.document -> 'metadata' ->> 'timestamp'") }},
            {{ legacy_timestamp("parsed.document -> 'stats' ->> 'timestamp'") }},
            {{ legacy_timestamp("parsed.document -> 0 ->> 'timestamp'") }},
            first_registration.path_time_at
        ) as document_at,
        parsed.document
    from first_registration
    inner join parsed
        on first_registration.file_id = parsed.file_id

)

select * from final
