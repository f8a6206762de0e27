{#- The warehouse in one row: the counts every report, the dashboard and `simulation report`
    print. "Models" means models with at least one completed result (measured or estimated);
    the simulated share is results_simulated / results_completed, over the completed results of
    performance_results (failed, unsupported and unavailable rows carry no numbers). Counts are
    count(*) filter (...), so an empty warehouse reads 0, not NULL. -#}
with

results as (

    select * from {{ ref('performance_results') }}

),

latest as (

    select * from {{ ref('rpt_latest_results') }}

),

models as (

    select * from {{ ref('models') }}

),

result_counts as (

    select
        count(*) as results_total,
        count(*) filter (where status = 'completed') as results_completed,
        count(*) filter (where status = 'completed' and not is_simulated)
            as results_measured,
        count(*) filter (where status = 'completed' and is_simulated) as results_simulated,
        count(*) filter (where status != 'completed') as results_without_metrics,
        count(*) filter (where result_source = 'legacy') as legacy_results,
        count(distinct model_name) filter (where status = 'completed') as models_with_results,
        count(distinct hardware_type) filter (where status = 'completed')
            as hardware_types_with_results,
        max(measured_at) filter (where status = 'completed' and not is_simulated)
            as last_measured_at
    from results

),

configuration_counts as (

    select
        count(*) as configurations,
        count(*) filter (where status = 'completed' and not is_simulated)
            as configurations_measured,
        count(*) filter (where status = 'completed' and is_simulated)
            as configurations_estimated_only,
        count(*) filter (where status != 'completed') as configurations_without_metrics
    from latest

),

catalog_counts as (

    select count(*) filter (where is_in_catalog) as models_in_catalog
    from models

),

final as (

    select
        -- ids
        'warehouse' as summary_id,

        -- models and hardware
        cast(catalog_counts.models_in_catalog as integer) as models_in_catalog,
        cast(result_counts.models_with_results as integer) as models_with_results,
        cast(result_counts.hardware_types_with_results as integer)
            as hardware_types_with_results,

        -- results (rows of performance_results)
        cast(result_counts.results_total as integer) as results_total,
        cast(result_counts.results_completed as integer) as results_completed,
        cast(result_counts.results_measured as integer) as results_measured,
        cast(result_counts.results_simulated as integer) as results_simulated,
        cast(result_counts.results_without_metrics as integer) as results_without_metrics,
        cast(result_counts.legacy_results as integer) as legacy_results,
        round(
            100.0 * result_counts.results_simulated / nullif(result_counts.results_completed, 0),
            2
        ) as simulated_share_pct,

        -- configurations (rows of rpt_latest_results)
        cast(configuration_counts.configurations as integer) as configurations,
        cast(configuration_counts.configurations_measured as integer) as configurations_measured,
        cast(configuration_counts.configurations_estimated_only as integer)
            as configurations_estimated_only,
        cast(configuration_counts.configurations_without_metrics as integer)
            as configurations_without_metrics,

        -- timestamps
        result_counts.last_measured_at
    from result_counts
    cross join configuration_counts
    cross join catalog_counts

)

select * from final
