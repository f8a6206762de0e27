{#- Aggregates the legacy files state rather than measure: each model's mean over its
    configurations (suite summaries G, matrix entries H), web platform summaries and per
    modality success rates (K), and functionality success rates per hardware (Q, F). Rates are
    fractions 0-1. A model mean found in both a summary and a matrix (the same numbers, one in
    ms, one in seconds) is kept once. -#}
with

suite_summaries as (

    select * from {{ ref('int_legacy_suite_summaries_parsed') }}

),

matrices as (

    select * from {{ ref('int_legacy_compatibility_matrices_parsed') }}

),

web_summaries as (

    select * from {{ ref('int_legacy_web_comparison_summaries_parsed') }}

),

functionality as (

    select * from {{ ref('int_legacy_functionality_reports_parsed') }}

),

model_means as (

    select * from suite_summaries

    union all by name

    select
        legacy_row_id,
        run_id,
        source_path,
        source_shape,
        legacy_family,
        model_name,
        hardware_type,
        'model mean over configurations' as summary_kind,
        mean_latency_ms,
        mean_throughput_items_per_second,
        tested_at as summarized_at
    from matrices
    where mean_latency_ms is not null or mean_throughput_items_per_second is not null

),

functionality_rates as (

    select distinct on (file_id, block_key)
        {{ stable_id(['file_id', 'block_key']) }} as legacy_row_id,
        run_id,
        source_path,
        source_shape,
        stats_hardware_type as hardware_type,
        'functionality success rate' as summary_kind,
        stats_success_rate as success_rate,
        stats_models_tested as models_tested,
        executed_at as summarized_at
    from functionality
    where stats_success_rate is not null

),

unioned as (

    -- by name: what a kind of summary does not state (a rate's model, a mean's rate) is NULL
    select * from model_means
    union all by name
    select * from web_summaries
    union all by name
    select * from functionality_rates

),

keyed as (

    select
        *,
        case
            when summary_kind = 'model mean over configurations'
                then concat_ws(
                        '|', summary_kind, model_name, hardware_type,
                        round(mean_latency_ms, 3), round(mean_throughput_items_per_second, 6)
                    )
            when summary_kind = 'functionality success rate'
                then concat_ws('|', summary_kind, hardware_type, summarized_at, success_rate)
            else concat_ws('|', summary_kind, legacy_row_id)
        end as summary_key
    from unioned

),

final as (

    select
        {{ stable_id(['summary_key']) }} as summary_id,
        run_id,
        summary_kind,
        legacy_family,
        modality,
        -- one name per model: an alias (seeds/model_aliases.csv) becomes its catalog name
        {{ legacy_model_name('model_name') }} as model_name,
        hardware_type,
        mean_latency_ms,
        mean_throughput_items_per_second,
        mean_memory_mb,
        success_rate,
        models_tested,
        summarized_at,
        count(*) over (partition by summary_key) as copies_found,
        source_path,
        source_shape
    from keyed
    qualify row_number() over (partition by summary_key order by source_shape, source_path) = 1

)

select * from final
