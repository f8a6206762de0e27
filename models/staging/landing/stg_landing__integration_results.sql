with

source as (

    select * from {{ read_landing('integration_results') }}

),

renamed as (

    select

        ----------  ids
        -- the landed row: its file and position (ids inside may repeat: a copied file)
        {{ stable_id(['source_file', 'file_row_number']) }} as landed_row_id,
        test_result_id,
        run_id,

        ----------  strings
        test_module,
        test_class,
        test_name,
        lower(status) as status,
        model_name,
        hardware_type,
        device_name,
        error_message,
        error_traceback,
        metadata,
        host,

        ----------  numerics
        schema_version,
        execution_time_seconds,
        assertions,

        ----------  timestamps
        executed_at,
        run_date,

        ----------  lineage
        source_file,
        current_timestamp as loaded_at

    from source

)

select * from renamed
