with

source as (

    select * from {{ read_landing('hardware_events') }}

),

renamed as (

    select

        ----------  ids
        -- the landed row: its file and position (ids inside may repeat: a copied file)
        {{ stable_id(['source_file', 'file_row_number']) }} as landed_row_id,
        event_id,
        run_id,

        ----------  strings
        hardware_type,
        reason,
        device_name,
        host,
        event_source,

        ----------  numerics
        schema_version,
        device_count,

        ----------  booleans
        is_available,

        ----------  timestamps
        detected_at,
        run_date,

        ----------  lineage
        source_file,
        current_timestamp as loaded_at

    from source

)

select * from renamed
