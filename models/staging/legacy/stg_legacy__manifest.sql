{#- One row per manifest row `benchdb migrate` wrote: every file it found, per outcome. -#}
with

source as (

    select * from {{ read_legacy('manifest') }}

),

renamed as (

    select

        ----------  ids
        registration_id,
        migration_id,
        sha256 as file_id,

        ----------  strings
        original_path as source_path,
        input_root,
        file_name,
        stored_path,
        status,
        reason,
        shape as source_shape,
        shape_family,
        category,
        path_time_tokens,

        ----------  numerics
        schema_version,
        size_bytes,
        rows_expected,

        ----------  timestamps
        -- the innermost time written in the path (the file's own, not its parent run's)
        {{ legacy_timestamp('path_time_tokens[-1]', 'null') }} as path_time_at,
        modified_at,
        registered_at,
        run_date

    from source

)

select * from renamed
