{#- The model x hardware matrix: one row for every catalog model and every known hardware type,
    whether or not it was tried. Counts come from the standing result of each configuration;
    the "best" values are rpt_best_results' (a measurement beats an estimate; an estimate only
    where nothing was measured), each with whether it is an estimate. -#}
with

models as (

    select * from {{ ref('models') }}

),

hardware as (

    select distinct hardware_type from {{ ref('hardware_platforms') }}

),

latest as (

    select * from {{ ref('rpt_latest_results') }}

),

best_results as (

    select * from {{ ref('rpt_best_results') }}

),

cells as (

    select
        models.model_id,
        models.model_name,
        models.model_family,
        models.modality,
        hardware.hardware_type
    from models
    cross join hardware

),

outcomes as (

    select
        model_name,
        hardware_type,
        count(*) as configurations_tried,
        count_if(status = 'completed') as configurations_completed,
        count_if(status = 'completed' and not is_simulated) as configurations_measured,
        count_if(status = 'completed' and is_simulated) as configurations_simulated,
        count_if(status in ('failed', 'oom', 'timeout', 'unknown')) as configurations_failed,
        count_if(status = 'unsupported') as configurations_unsupported,
        count_if(status = 'unavailable') as configurations_unavailable,
        max(measured_at) filter (where status = 'completed') as last_measured_at,
        max(latest_attempt_at) as last_attempt_at
    from latest
    group by model_name, hardware_type

),

best as (

    -- rpt_best_results, one column per metric
    select
        model_name,
        hardware_type,
        max(value) filter (where metric = 'throughput_items_per_second')
            as best_throughput_items_per_second,
        bool_or(is_simulated) filter (where metric = 'throughput_items_per_second')
            as best_throughput_is_simulated,
        max(batch_size) filter (where metric = 'throughput_items_per_second')
            as best_throughput_batch_size,
        max(value) filter (where metric = 'latency_p50_ms') as best_latency_p50_ms,
        max(latency_p90_ms) filter (where metric = 'latency_p50_ms') as best_latency_p90_ms,
        max(latency_p99_ms) filter (where metric = 'latency_p50_ms') as best_latency_p99_ms,
        bool_or(is_simulated) filter (where metric = 'latency_p50_ms')
            as best_latency_is_simulated,
        max(batch_size) filter (where metric = 'latency_p50_ms') as best_latency_batch_size,
        max(value) filter (where metric = 'memory_peak_mb') as lowest_memory_peak_mb,
        bool_or(is_simulated) filter (where metric = 'memory_peak_mb')
            as lowest_memory_is_simulated
    from best_results
    group by model_name, hardware_type

),

final as (

    select
        -- ids
        {{ stable_id(['cells.model_name', 'cells.hardware_type']) }} as matrix_cell_id,
        cells.model_id,

        -- strings
        cells.model_name,
        cells.model_family,
        cells.modality,
        cells.hardware_type,
        case
            when coalesce(outcomes.configurations_measured, 0) > 0 then 'measured'
            when coalesce(outcomes.configurations_simulated, 0) > 0 then 'simulated only'
            when coalesce(outcomes.configurations_failed, 0) > 0 then 'failed'
            when coalesce(outcomes.configurations_unsupported, 0) > 0 then 'unsupported'
            when coalesce(outcomes.configurations_unavailable, 0) > 0 then 'unavailable'
            else 'not tried'
        end as compatibility_status,

        -- numerics
        cast(coalesce(outcomes.configurations_tried, 0) as integer) as configurations_tried,
        cast(coalesce(outcomes.configurations_completed, 0) as integer)
            as configurations_completed,
        cast(coalesce(outcomes.configurations_measured, 0) as integer)
            as configurations_measured,
        cast(coalesce(outcomes.configurations_simulated, 0) as integer)
            as configurations_simulated,
        cast(coalesce(outcomes.configurations_failed, 0) as integer) as configurations_failed,
        cast(coalesce(outcomes.configurations_unsupported, 0) as integer)
            as configurations_unsupported,
        cast(coalesce(outcomes.configurations_unavailable, 0) as integer)
            as configurations_unavailable,
        best.best_throughput_items_per_second,
        best.best_throughput_batch_size,
        best.best_latency_p50_ms,
        best.best_latency_p90_ms,
        best.best_latency_p99_ms,
        best.best_latency_batch_size,
        best.lowest_memory_peak_mb,

        -- booleans
        best.best_throughput_is_simulated,
        best.best_latency_is_simulated,
        best.lowest_memory_is_simulated,

        -- timestamps
        outcomes.last_measured_at,
        outcomes.last_attempt_at
    from cells
    left join outcomes
        on
            cells.model_name = outcomes.model_name
            and cells.hardware_type = outcomes.hardware_type
    left join best
        on
            cells.model_name = best.model_name
            and cells.hardware_type = best.hardware_type

)

select * from final
