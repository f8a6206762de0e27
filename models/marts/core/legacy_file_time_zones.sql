{#- How the naive local times of every registered legacy file were read: the UTC offset used,
    how it was decided (inferred from a naive time and an epoch of the same moment in the file
    or in its source tree, configured with legacy_naive_timezone, or assumed UTC) and the
    evidence. Epoch seconds and times with a zone are absolute and need none of this. -#}
with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}

),

final as (

    select
        run_id,
        file_id as file_sha256,
        source_path,
        input_root as source_tree,
        source_shape,
        utc_offset_seconds,
        case
            when utc_offset_seconds is not null
                then {{ legacy_utc_offset_label('utc_offset_seconds') }}
        end as utc_offset,
        time_zone_basis,
        time_zone_evidence,
        document_at
    from documents

)

select * from final
