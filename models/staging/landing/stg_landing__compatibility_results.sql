{#- One row per compatibility result the API stored, as landed, checked against the value rules
    (docs/landing_zone.md, "Bad rows and values"): a compatibility_score outside 0-1 is NULL
    here with its reason in `value_rejections` (rejected_rows lists it); the row stays. A row
    without compatibility_id, run_id or hardware_type is refused whole: `rejection_rule` says
    which (int_hardware_compatibility_unioned leaves it out, rejected_rows lists it). -#}
with

source as (

    select * from {{ read_landing('compatibility_results') }}

),

renamed as (

    select

        ----------  ids
        -- the landed row: its file and position (ids inside may repeat: a copied file)
        {{ stable_id(['source_file', 'file_row_number']) }} as landed_row_id,
        compatibility_id,
        run_id,

        ----------  strings
        model_name,
        model_family,
        modality,
        hardware_type,
        device_name,
        error_message,
        error_type,
        suggested_fix,
        metadata,
        simulation_reason,
        host,

        ----------  numerics
        schema_version,
        compatibility_score,

        ----------  booleans
        is_compatible,
        detection_success,
        initialization_success,
        workaround_available,
        coalesce(is_simulated, false) as is_simulated,

        ----------  timestamps
        tested_at,
        run_date,

        ----------  lineage
        source_file,
        current_timestamp as loaded_at

    from source

),

checked as (

    -- a score outside 0-1 (NaN and infinities included) is NULL, listed in rejected_rows
    select
        {{ star_replace(['compatibility_score']) }}
            {{ fraction_or_null('compatibility_score') }} as compatibility_score
        {{ end_star_replace() }},
        {{ value_rejections([fraction_rule('compatibility_score')]) }} as value_rejections,
        -- a result without its id, run or hardware type is left out, listed in rejected_rows
        {{ first_rejection(required_rules(
            {'compatibility_id': true, 'run_id': true, 'hardware_type': true}
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
