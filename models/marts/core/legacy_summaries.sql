{#- What legacy files stated as aggregates rather than measurements: model means over
    configurations (suite summaries, matrices), web platform summaries, success rates per
    modality and per hardware. Rates are fractions 0-1. -#}
with

summaries as (

    select * from {{ ref('int_legacy_summaries') }}

),

final as (

    select
        summary_id,
        run_id,
        summary_kind,
        case when model_name is not null then {{ stable_id(['model_name']) }} end as model_id,
        case
            when hardware_type is not null then {{ stable_id(['hardware_type', 'null']) }}
        end as hardware_id,
        model_name,
        hardware_type,
        legacy_family,
        modality,
        mean_latency_ms,
        mean_throughput_items_per_second,
        mean_memory_mb,
        success_rate,
        models_tested,
        summarized_at,
        copies_found,
        source_path,
        source_shape
    from summaries

)

select * from final
