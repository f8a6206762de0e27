{#- Every legacy file `benchdb migrate` found and what became of it: registered (with the
    rows it gave), a duplicate of another path's content, or quarantined with the reason. -#}
with

manifest as (

    select * from {{ ref('stg_legacy__manifest') }}

),

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}

),

final as (

    select
        manifest.registration_id,
        manifest.file_id as sha256,
        manifest.source_path as original_path,
        manifest.file_name,
        manifest.input_root,
        manifest.status,
        manifest.reason,
        manifest.source_shape as shape,
        manifest.shape_family,
        manifest.category,
        manifest.size_bytes,
        manifest.rows_expected,
        manifest.stored_path,
        documents.run_id,
        documents.document_at,
        manifest.path_time_at,
        manifest.modified_at,
        manifest.registered_at,
        manifest.migration_id,
        manifest.status = 'registered' and documents.file_id is null as is_missing_from_landing
    from manifest
    left join documents
        on
            manifest.file_id = documents.file_id
            and manifest.source_path = documents.source_path

)

select * from final
