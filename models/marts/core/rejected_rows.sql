{#- Every landed or legacy row, and every value, the build refused, with the rule it broke and
    what was written (docs/landing_zone.md, "Bad rows and values"). `action` says what became of
    it: `row_rejected` (the row is in no other table: a required key missing, a value out of
    range or vocabulary, a second copy of a row landed under another file name),
    `value_nulled` (the row stays and the value is NULL: NaN, infinite, absurd, zero or
    negative metrics, a string or a boolean where a number belongs, a key written twice, a
    latency summary or run times out of order, a compatibility score outside 0-1, a label
    outside its vocabulary) or `file_rejected` (a whole landed file whose
    columns break the contract: none of its rows is read). The
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

{#- a landed result: its row's first rejection, or each of its rejected values; generation
    rows are checked with forward rows, under their own kind's name -#}
{%- set landed_result = {
    'source_kind': 'landing',
    'source_table': "case when benchmark_kind = 'generate' then 'generation_results'"
        ~ " else 'benchmark_results' end",
    'source_file': 'source_file',
    'file_sha256': 'cast(null as varchar)',
    'row_identity': 'result_id',
    'row_key': 'result_id',
    'rejected_at': 'loaded_at',
} %}
{#- a row of another landing kind: its file -#}
{%- set landed_other = {
    'source_kind': 'landing',
    'source_file': 'source_file',
    'file_sha256': 'cast(null as varchar)',
    'rejected_at': 'loaded_at',
} %}
{#- a row of another landing kind refused whole: its landed row (file and position) is its
    key, as its id may be NULL -#}
{%- set landed_other_refused = landed_other.copy() %}
{%- do landed_other_refused.update({'row_key': 'landed_row_id'}) %}
{#- a legacy performance row: its file, its identity (model | hardware | configuration) -#}
{%- set legacy_result = {
    'source_kind': 'legacy',
    'source_table': "'performance_results'",
    'source_file': 'source_path',
    'file_sha256': 'file_id',
    'row_identity': "concat_ws(' | ', model_name, requested_hardware_type, config_key)",
    'row_key': 'legacy_row_id',
    'rejected_at': 'current_timestamp',
} %}

landed_row_rejections as (

    {{ rejections_of(
        'landed_results', 'row_rejected', where='rejection_rule is not null', **landed_result
    ) }}

),

landed_values_nulled as (

    {{ rejections_of(
        'landed_results', 'value_nulled', where='rejection_rule is null', **landed_result
    ) }}

),

landed_other_row_rejections as (

    -- the other landing kinds' rows refused whole (a required key missing): the row's first
    -- rejection
    {{ rejections_of(
        ref('stg_landing__test_runs'), 'row_rejected', source_table="'test_runs'",
        row_identity='run_id', where='rejection_rule is not null', **landed_other_refused
    ) }}
    union all
    {{ rejections_of(
        ref('stg_landing__hardware_events'), 'row_rejected', source_table="'hardware_events'",
        row_identity='event_id', where='rejection_rule is not null', **landed_other_refused
    ) }}
    union all
    {{ rejections_of(
        ref('stg_landing__compatibility_results'), 'row_rejected',
        source_table="'compatibility_results'",
        row_identity='compatibility_id', where='rejection_rule is not null', **landed_other_refused
    ) }}
    union all
    {{ rejections_of(
        ref('stg_landing__integration_results'), 'row_rejected',
        source_table="'integration_results'",
        row_identity='test_result_id', where='rejection_rule is not null', **landed_other_refused
    ) }}
    union all
    {{ rejections_of(
        ref('stg_landing__result_marks'), 'row_rejected', source_table="'result_marks'",
        row_identity='mark_id', where='rejection_rule is not null', **landed_other_refused
    ) }}

),

landed_other_values_nulled as (

    -- the other landing kinds' values set to NULL (their rows stay)
    {{ rejections_of(
        ref('stg_landing__test_runs'), 'value_nulled', source_table="'test_runs'",
        row_identity='run_id', row_key='run_id', where='rejection_rule is null', **landed_other
    ) }}
    union all
    {{ rejections_of(
        ref('stg_landing__compatibility_results'), 'value_nulled',
        source_table="'compatibility_results'", row_identity='compatibility_id',
        row_key='compatibility_id', where='rejection_rule is null', **landed_other
    ) }}
    union all
    {{ rejections_of(
        ref('stg_landing__integration_results'), 'value_nulled',
        source_table="'integration_results'", row_identity='test_result_id',
        row_key='test_result_id', where='rejection_rule is null', **landed_other
    ) }}

),

landed_files as (

    -- whole landed files whose columns break the contract (benchdb/landing_check.py): the
    -- build's snapshot leaves them out, so no row of theirs is read
    select
        'landing' as source_kind,
        kind as source_table,
        path as source_file,
        cast(null as varchar) as file_sha256,
        relative_path as row_identity,
        relative_path as row_key,
        rejected_column as column_name,
        rejection as rejection_rule,
        cast(null as varchar) as reported_value,
        'file_rejected' as outcome,
        current_timestamp as rejected_at
    from {{ landing_files_rejected() }}

),

landed_copies as (

    -- the other landing kinds: a second copy of a row (its file copied under another name)
    {{ landed_copies('test_runs', 'run_id') }}
    union all
    {{ landed_copies('hardware_events', 'event_id') }}
    union all
    {{ landed_copies('compatibility_results', 'compatibility_id') }}
    union all
    {{ landed_copies('integration_results', 'test_result_id') }}
    union all
    {{ landed_copies('result_marks', 'mark_id') }}

),

assertion_copies as (

    -- a second check under a kept assertion_id, with other content (a hand-written file)
    select
        case when landed_file is null then 'legacy' else 'landing' end as source_kind,
        'integration_test_assertions' as source_table,
        coalesce(landed_file, source_path) as source_file,
        cast(null as varchar) as file_sha256,
        assertion_id as row_identity,
        assertion_row_id as row_key,
        'assertions' as column_name,
        rejection_rule,
        written_as as reported_value,
        'row_rejected' as outcome,
        coalesce(loaded_at, current_timestamp) as rejected_at
    from {{ ref('int_integration_test_assertions_unioned') }}
    where rejection_rule is not null

),

legacy_row_rejections as (

    {{ rejections_of(
        'legacy_results', 'row_rejected', where='rejection_rule is not null', **legacy_result
    ) }}

),

legacy_values_nulled as (

    {{ rejections_of(
        'legacy_results', 'value_nulled', where='rejection_rule is null', **legacy_result
    ) }}

),

legacy_document_values as (

    -- every value under a metric-like key that is no measurement, in every registered file
    select
        'legacy' as source_kind,
        'legacy_metric_values' as source_table,
        source_path as source_file,
        file_id as file_sha256,
        json_path as row_identity,
        metric_value_id as row_key,
        metric_key as column_name,
        value_note as rejection_rule,
        reported_text as reported_value,
        'value_nulled' as outcome,
        current_timestamp as rejected_at
    from legacy_values

),

unioned as (

    select * from landed_row_rejections
    union all
    select * from landed_values_nulled
    union all
    select * from landed_other_row_rejections
    union all
    select * from landed_other_values_nulled
    union all
    select * from landed_files
    union all
    select * from landed_copies
    union all
    select * from assertion_copies
    union all
    select * from legacy_row_rejections
    union all
    select * from legacy_values_nulled
    union all
    select * from legacy_document_values

),

final as (

    select
        {{ stable_id([
            'source_kind', 'source_table', 'source_file', 'file_sha256', 'row_key',
            'column_name', 'rejection_rule',
        ]) }} as rejection_id,
        source_kind,
        source_table,
        source_file,
        file_sha256,
        row_identity,
        column_name,
        rejection_rule,
        reported_value,
        outcome,
        rejected_at
    from unioned

)

select * from final
