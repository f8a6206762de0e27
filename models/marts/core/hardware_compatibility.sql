{#- Which model runs on which hardware type, as results stated it (the old system's table).
    Legacy matrices say `compatible: false` for pairs they never tested: those rows have
    is_compatible NULL and is_tested false, never "incompatible". -#}
with

compatibility as (

    select * from {{ ref('int_hardware_compatibility_unioned') }}

),

final as (

    select
        compatibility_id,
        run_id,
        -- a whole family's entry names no model: no id to join `models` on
        case when model_name is not null then {{ stable_id(['model_name']) }} end as model_id,
        {{ stable_id(['hardware_type', 'device_name']) }} as hardware_id,
        is_compatible,
        detection_success,
        initialization_success,
        error_message,
        error_type,
        suggested_fix,
        workaround_available,
        compatibility_score,
        metadata,
        tested_at as created_at,
        is_simulated,
        simulation_reason,
        model_name,
        hardware_type,
        device_name,
        is_tested,
        tested_at,
        result_source,
        source_path,
        source_shape
    from compatibility

)

select * from final
