{#- Every landed or legacy row, and every value, the build refused, with the rule it broke and
    what was written (docs/landing_zone.md, "Bad rows and values"). `action` says what became of
    it: `row_rejected` (the row is in no other table: a required key missing, a value out of
    range or vocabulary, a second copy of a result landed under another file name) or
    `value_nulled` (the row stays and the value is NULL: NaN, infinite, absurd, zero or
    negative metrics, a string or a boolean where a number belongs, a key written twice). The
    build never fails because of input: what breaks a rule lands here instead. -#}
with

landed_results as (

    select * from {{ ref('int_landing_benchmark_results_checked') }}

),

legacy_results as (

    select * from {{ ref('int_legacy_benchmark_results_unioned') }}

),

legacy_values as (

    select * from {{ ref('int_legacy_metric_leaves') }}
    where value_note is not null

),

landed_row_rejections as (

    select
        'landing' as source_kind,
        'benchmark_results' as source_table,
        source_file,
        cast(null as varchar) as file_sha256,
        result_id as row_identity,
        rejected_column as column_name,
        rejection_rule as rule,
        rejected_value as reported_value,
        'row_rejected' as action,
        loaded_at as rejected_at
    from landed_results
    where rejection_rule is not null

),

landed_value_rejections as (

    select
        'landing' as source_kind,
        'benchmark_results' as source_table,
        landed_results.source_file,
        cast(null as varchar) as file_sha256,
        landed_results.result_id as row_identity,
        rejection.column_name,
        rejection.rule,
        rejection.reported_value,
        'value_nulled' as action,
        landed_results.loaded_at as rejected_at
    from landed_results
    cross join unnest(landed_results.value_rejections) as rejections (rejection)
    where landed_results.rejection_rule is null

),

{#- the other landing kinds: a second copy of a row (its file copied under another name) -#}
{%- set copied_kinds = [
    ('test_runs', 'run_id'),
    ('hardware_events', 'event_id'),
    ('compatibility_results', 'compatibility_id'),
    ('integration_results', 'test_result_id'),
] %}
landed_copies as (

    {%- for kind, id_column in copied_kinds %}
    select
        'landing' as source_kind,
        '{{ kind }}' as source_table,
        source_file,
        cast(null as varchar) as file_sha256,
        {{ id_column }} as row_identity,
        '{{ id_column }}' as column_name,
        'duplicate: {{ id_column }} already landed in ' || first_value(source_file) over (
            partition by {{ id_column }} order by source_file
        ) as rule,
        {{ id_column }} as reported_value,
        'row_rejected' as action,
        loaded_at as rejected_at
    from {{ ref('stg_landing__' ~ kind) }}
    qualify not {{ is_first_landed_copy(id_column) }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

legacy_row_rejections as (

    select
        'legacy' as source_kind,
        'performance_results' as source_table,
        source_path as source_file,
        file_id as file_sha256,
        coalesce(config_key, legacy_row_id) as row_identity,
        rejected_column as column_name,
        rejection_rule as rule,
        rejected_value as reported_value,
        'row_rejected' as action,
        current_timestamp as rejected_at
    from legacy_results
    where rejection_rule is not null

),

legacy_value_rejections as (

    select
        'legacy' as source_kind,
        'performance_results' as source_table,
        legacy_results.source_path as source_file,
        legacy_results.file_id as file_sha256,
        coalesce(legacy_results.config_key, legacy_results.legacy_row_id) as row_identity,
        rejection.column_name,
        rejection.rule,
        rejection.reported_value,
        'value_nulled' as action,
        current_timestamp as rejected_at
    from legacy_results
    cross join unnest(legacy_results.value_rejections) as rejections (rejection)
    where legacy_results.rejection_rule is null

),

legacy_document_values as (

    -- every value under a metric-like key that is no measurement, in every registered file
    select
        'legacy' as source_kind,
        'legacy_metric_values' as source_table,
        source_path as source_file,
        file_id as file_sha256,
        json_path as row_identity,
        metric_key as column_name,
        value_note as rule,
        reported_text as reported_value,
        'value_nulled' as action,
        current_timestamp as rejected_at
    from legacy_values

),

unioned as (

    select * from landed_row_rejections
    union all
    select * from landed_value_rejections
    union all
    select * from landed_copies
    union all
    select * from legacy_row_rejections
    union all
    select * from legacy_value_rejections
    union all
    select * from legacy_document_values

),

final as (

    select
        {{ stable_id([
            'source_kind', 'source_table', 'source_file', 'file_sha256', 'row_identity',
            'column_name', 'rule',
        ]) }} as rejection_id,
        source_kind,
        source_table,
        source_file,
        file_sha256,
        row_identity,
        column_name,
        rule,
        reported_value,
        action,
        rejected_at
    from unioned

)

select * from final
