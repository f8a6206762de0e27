{#- One row per legacy document in the landing zone (its content-addressed copy under
    legacy_files/), read whole as one JSON value; file_id is the sha256 its file name carries.
    Provenance (original path, shape) is joined on in int_legacy_documents_registered. -#}
with

source as (

    select * from {{ read_legacy('documents') }}

),

renamed as (

    select

        ----------  ids
        regexp_extract(filename, '([0-9a-f]{64})\.json$', 1) as file_id,

        ----------  strings
        filename as landing_file_path,

        ----------  json
        json as document  -- noqa: RF04

    from source

)

select * from renamed
