{#- One row per hardware detection or manual mark, as landed. An event without event_id,
    hardware_type or is_available is refused whole: `rejection_rule` says which
    (int_hardware_events_unioned leaves it out, rejected_rows lists it). -#}
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

),

checked as (

    -- an event without its id, hardware type or availability is left out
    -- (int_hardware_events_unioned), listed in rejected_rows
    select
        *,
        {{ first_rejection(required_rules(
            {'event_id': true, 'hardware_type': true, 'is_available': false}
        )) }} as row_rejection
    from renamed

),

final as (

    select
        {{ star_except() }} (row_rejection),
        {{ rejection_columns('row_rejection') }}
    from checked

)

select * from final
