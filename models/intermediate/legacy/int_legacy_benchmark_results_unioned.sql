{#- Every performance row the legacy shape parsers read, one set of columns (union by name:
    a column a shape does not have is NULL), checked against the row rules
    (docs/legacy_migration.md, "Bad rows and values"): a row without a model name, without a
    hardware key, or with a batch size below 1 is rejected (`rejection_rule`; rejected_rows
    lists it, int_legacy_benchmark_results_flagged leaves it out), and a metric of 0 or below is
    listed in `value_rejections` (the metric is NULL downstream). The parsers read only JSON
    numbers (macros/value_rules.sql): a string or a boolean never reaches a metric. -#}
with

direct_runner as (

    select * from {{ ref('int_legacy_direct_runner_results_parsed') }}

),

placeholder as (

    select * from {{ ref('int_legacy_placeholder_results_parsed') }}

),

suite as (

    select * from {{ ref('int_legacy_suite_results_parsed') }}

),

web as (

    select * from {{ ref('int_legacy_web_results_parsed') }}

),

web_comparison as (

    select * from {{ ref('int_legacy_web_comparisons_parsed') }}

),

unioned as (

    select * from direct_runner
    union all by name
    select * exclude (is_compatible) from placeholder
    union all by name
    select * from suite
    union all by name
    select * from web
    union all by name
    select * from web_comparison

),

checked as (

    select
        *,
        {{ first_rejection([
            rule("nullif(trim(model_name), '') is null", "'required: a model name'", 'model_name'),
            rule('requested_hardware_type is null', "'required: a hardware key'", 'hardware',
                'reported_hardware_key'),
            rule('batch_size < 1', "'range: batch_size must be 1 or more'", 'batch_size'),
        ]) }} as row_rejection,
        {{ metric_value_rejections(
            ['latency_mean_ms', 'throughput_items_per_second', 'memory_peak_mb']
        ) }} as value_rejections
    from unioned

),

final as (

    select
        * exclude (row_rejection),
        {{ rejection_columns('row_rejection') }}
    from checked

)

select * from final
