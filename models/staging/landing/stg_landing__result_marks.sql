with

source as (

    select * from {{ read_landing('result_marks') }}

),

renamed as (

    select

        ----------  ids
        -- the landed row: its file and position (ids inside may repeat: a copied file)
        {{ stable_id(['source_file', 'file_row_number']) }} as landed_row_id,
        mark_id,
        result_id,

        ----------  strings
        reason,
        host,

        ----------  numerics
        schema_version,

        ----------  booleans
        is_simulated,

        ----------  timestamps
        marked_at,
        run_date,

        ----------  lineage
        source_file,
        current_timestamp as loaded_at

    from source

)

select * from renamed
