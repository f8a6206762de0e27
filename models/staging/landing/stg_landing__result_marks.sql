{#- One row per result marked simulated (or not) by hand, as landed. A mark without its
    mark_id, result_id or is_simulated marks nothing: it is refused whole, `rejection_rule` says
    which (int_benchmark_results_normalized applies only the other marks, rejected_rows lists
    it). -#}
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

),

checked as (

    -- a mark without its id, the result it marks or what it says is left out, listed in
    -- rejected_rows
    select
        *,
        {{ first_rejection(required_rules(
            {'mark_id': true, 'result_id': true, 'is_simulated': false}
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
