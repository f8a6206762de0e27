with

source as (

    select * from {{ read_landing('hardware_events') }}

),

renamed as (

    select

        ----------  ids
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
