{#-
    The rules every landed and legacy value passes (docs/landing_zone.md, "Bad rows and values").
    A value that breaks one is NULL (or its row is left out) and rejected_rows says which rule and
    what was written; the build goes on with the good rows. One bound for every plausible number:
    1e15 (a latency of 1e15 ms is 31,000 years; a throughput of 1e15 items/s, a memory of 1e15 MB
    are as impossible), so 9.99e307 and 1e400 (read as infinity) are refused, not averaged.
-#}
{% macro max_plausible_value() -%}1e15{%- endmacro %}


{#- True for a finite number (neither NaN nor an infinity). DuckDB's isfinite; not isnan: DuckDB
    2.0 folds `isnan(column)` to false from a Parquet file's min/max statistics, which leave
    NaN out (a NaN beside finite values in one file read as no NaN). -#}
{% macro is_finite(value) -%}
    {{ return(adapter.dispatch('is_finite')(value)) }}
{%- endmacro %}

{%- macro default__is_finite(value) -%}
    isfinite({{ value }})
{%- endmacro %}

{%- macro spark__is_finite(value) -%}
    (not isnan({{ value }}) and abs({{ value }}) != double('Infinity'))
{%- endmacro %}


{#- True for NaN (is_finite says why not isnan on DuckDB). -#}
{% macro is_nan(value) -%}
    (not {{ is_finite(value) }} and not {{ is_infinite(value) }})
{%- endmacro %}


{#- A JSON value as a double only when it is a JSON number, finite and plausible: a string
    ("888.375", "NaN") or a boolean is never read as a number. -#}
{% macro json_number(json) -%}
    (
        case
            when json_type({{ json }}) in ('BIGINT', 'UBIGINT', 'DOUBLE')
                and abs(try_cast({{ json }} as double)) < {{ max_plausible_value() }}
                then try_cast({{ json }} as double)
        end
    )
{%- endmacro %}


{#- A JSON value as an integer only when it is a JSON number with no fraction (4 or 4.0). -#}
{% macro json_integer(json) -%}
    (
        case
            when {{ json_number(json) }} = floor({{ json_number(json) }})
                then try_cast({{ json_number(json) }} as integer)
        end
    )
{%- endmacro %}


{#- A JSON array as double[] only when every element is a finite, plausible, positive number
    (the per-iteration latencies: one string or zero among them makes the list unusable). -#}
{% macro json_positive_numbers(json) -%}
    (
        case
            when json_type({{ json }}) = 'ARRAY'
                and coalesce(list_bool_and(list_transform(
                    cast({{ json }} as json[]),
                    lambda element: coalesce({{ json_number("element") }} > 0, false)
                )), true)
                then try_cast({{ json }} as double[])
        end
    )
{%- endmacro %}


{#- Why a metric value (a latency, throughput or memory, as a double) is no measurement, or
    NULL when it is one: NaN, infinities, beyond the plausible bound, zero (the old system wrote
    0 for "not measured") or negative. -#}
{% macro metric_value_rule(value) -%}
    (
        case
            when {{ is_nan(value) }} then 'not a number (NaN)'
            when {{ is_infinite(value) }} then 'infinite or beyond double range'
            when abs({{ value }}) >= {{ max_plausible_value() }}
                then 'absurd: beyond {{ max_plausible_value() }}'
            when {{ value }} = 0 then 'zero: not a measurement'
            when {{ value }} < 0 then 'negative: not a measurement'
        end
    )
{%- endmacro %}


{#- Why a JSON value under a key that holds a number is not one (NULL when it is a usable
    number): a string or a boolean is refused whatever it spells; numbers follow
    metric_value_rule when `metric` is true, else only the plausibility bound. -#}
{% macro json_number_rule(json, metric=true) -%}
    (
        case
            when json_type({{ json }}) = 'VARCHAR'
                then 'type: a string where a number is expected (strings are never read as numbers)'
            when json_type({{ json }}) = 'BOOLEAN'
                then 'type: a boolean where a number is expected (never read as 0 or 1)'
            when json_type({{ json }}) not in ('BIGINT', 'UBIGINT', 'DOUBLE') then null
            {%- if metric %}
            -- the old system wrote 0 for "not measured"
            when try_cast({{ json }} as double) = 0
                then 'reported 0: the old system wrote 0 for "not measured"'
            when try_cast({{ json }} as double) < 0
                then 'reported a negative number: not a measurement'
            else {{ metric_value_rule('try_cast(' ~ json ~ ' as double)') }}
            {%- else %}
            when not isfinite(try_cast({{ json }} as double))
                then 'infinite or beyond double range'
            when abs(try_cast({{ json }} as double)) >= {{ max_plausible_value() }}
                then 'absurd: beyond {{ max_plausible_value() }}'
            {%- endif %}
        end
    )
{%- endmacro %}


{#- A metric column (double) kept only when it is a measurement (see metric_value_rule). -#}
{% macro metric_or_null(value) -%}
    (case when {{ metric_value_rule(value) }} is null then {{ value }} end)
{%- endmacro %}


{#- One rejection, as rejected_rows lists it: the rule (a SQL expression), the column's name and
    its value as written (a SQL expression, read as text). -#}
{% macro rejection(rule, column_name, value) -%}
    {{ return(adapter.dispatch('rejection')(rule, column_name, value)) }}
{%- endmacro %}

{%- macro default__rejection(rule, column_name, value) -%}
    {
        'rejection_rule': {{ rule }},
        'column_name': '{{ column_name }}',
        'reported_value': cast({{ value }} as varchar)
    }
{%- endmacro %}


{#- The rejected values of one row as a list of rejections: one per metric column whose value
    breaks metric_value_rule. `columns` names double columns. -#}
{% macro metric_value_rejections(columns) -%}
    {{ return(adapter.dispatch('metric_value_rejections')(columns)) }}
{%- endmacro %}

{%- macro default__metric_value_rejections(columns) -%}
    list_filter(
        [
            {%- for column in columns %}
            {{ rejection(metric_value_rule(column), column, column) }}{{ ',' if not loop.last }}
            {%- endfor %}
        ],
        lambda candidate: struct_extract(candidate, 'rejection_rule') is not null
    )
{%- endmacro %}


{#- A JSON array as double[], element by element through json_number (a position stays: a bad
    element is NULL), for lists that line up by position with another. -#}
{% macro json_numbers(json) -%}
    (
        case
            when json_type({{ json }}) = 'ARRAY'
                then list_transform(
                    cast({{ json }} as json[]), lambda element: {{ json_number("element") }}
                )
        end
    )
{%- endmacro %}


{#- The order in which the copies of one landed id are ranked: the file whose path sorts first,
    then (an id written twice in one file) the row's landed_row_id: the same copy wins whatever
    order the files were loaded in, so incremental and full builds agree. -#}
{% macro landed_copy_order() -%}
    source_file, landed_row_id
{%- endmacro %}


{#- True for the one copy of a landed row kept when its id was landed twice (a file copied under
    another name, or a hand-written file repeating an id): the first in landed_copy_order. For
    `qualify`; rejected_rows lists the other copies. -#}
{% macro is_first_landed_copy(id_column) -%}
    (row_number() over (partition by {{ id_column }} order by {{ landed_copy_order() }}) = 1)
{%- endmacro %}


{#- json_each over an object or array, as a relation for `cross join ... as alias`, with a key
    written twice in one object read once: the first, as DuckDB's `->` and migrate read it
    (int_legacy_metric_leaves lists the later copies in rejected_rows). -#}
{% macro json_entries(json) -%}
    (
        select *
        from json_each({{ json }})
        qualify row_number() over (partition by key order by id) = 1
    )
{%- endmacro %}


{#- rejected_rows' rows for one landing kind's second copies: rows whose id was landed before
    them in landed_copy_order (is_first_landed_copy), among the rows no row rule refused. -#}
{% macro landed_copies(kind, id_column) -%}
    select
        'landing' as source_kind,
        '{{ kind }}' as source_table,
        source_file,
        cast(null as varchar) as file_sha256,
        {{ id_column }} as row_identity,
        {{ id_column }} as row_key,
        '{{ id_column }}' as column_name,
        'duplicate: {{ id_column }} already landed in '
        || first_value(source_file) over (
            partition by {{ id_column }} order by {{ landed_copy_order() }}
        ) as rejection_rule,
        {{ id_column }} as reported_value,
        'row_rejected' as outcome,
        loaded_at as rejected_at
    from {{ ref('stg_landing__' ~ kind) }}
    where rejection_rule is null
    qualify not {{ is_first_landed_copy(id_column) }}
{%- endmacro %}


{#- A success or pass rate kept only when it is a fraction 0-1 (after its model's percent
    conversion): anything else is NULL; int_legacy_metric_leaves lists the value. -#}
{% macro fraction_or_null(value) -%}
    (case when {{ value }} between 0 and 1 then {{ value }} end)
{%- endmacro %}


{#- The landed files this build's snapshot lists but does not read, as a relation (kind, path,
    relative_path, rejection, rejected_column): their columns break the contract
    (benchdb/landing_check.py). Without a snapshot (dbt run by hand) files are not checked and
    the relation is empty. -#}
{% macro landing_files_rejected() -%}
    {%- set snapshot = env_var('BENCHMARK_SNAPSHOT', '') if execute else '' -%}
    {%- if snapshot -%}
        (
            select kind, path, relative_path, rejection, rejected_column
            from read_parquet('{{ snapshot }}')
            where rejection is not null
        )
    {%- else -%}
        (
            select
                cast(null as varchar) as kind,
                cast(null as varchar) as path,
                cast(null as varchar) as relative_path,
                cast(null as varchar) as rejection,
                cast(null as varchar) as rejected_column
            where false
        )
    {%- endif -%}
{%- endmacro %}


{#- A rule a row or a value may break, for first_rejection and value_rejections: `condition`
    (SQL, true when the rule is broken; NULL is not), the rule in words (a SQL expression: a
    quoted text or an expression giving one), the column's name and its value as written (a
    SQL expression, read as text). -#}
{% macro rule(condition, words, column_name, value=none) -%}
    {{ return([condition, words, column_name, column_name if value is none else value]) }}
{%- endmacro %}


{#- The first of `rules` a row breaks, as one rejection (NULL when it breaks none): the row is
    left out (`row_rejected`). -#}
{% macro first_rejection(rules) -%}
    case
        {%- for condition, words, column_name, value in rules %}
        when {{ condition }}
            then {{ rejection(words, column_name, value) }}
        {%- endfor %}
    end
{%- endmacro %}


{#- Every one of `rules` a row breaks, as a list of rejections (the row stays, each value is
    NULL: `value_nulled`), after the rejections of the list expressions `lists` (e.g.
    metric_value_rejections). -#}
{% macro value_rejections(rules, lists=[]) -%}
    {%- set parts = lists | list -%}
    {%- for condition, words, column_name, value in rules -%}
        {%- do parts.append(
            'case when ' ~ condition ~ ' then ' ~ list_of([rejection(words, column_name, value)])
            ~ ' else ' ~ list_of([]) ~ ' end'
        ) -%}
    {%- endfor -%}
    {%- if parts | length == 1 -%}
        {{ parts[0] }}
    {%- else -%}
        {{ list_concat_name() }}(
            {%- for part in parts %}
            {{ part }}{{ ',' if not loop.last }}
            {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}


{#- The three columns of a row's first rejection (first_rejection) that rejected_rows reads:
    rejection_rule, rejected_column, rejected_value. -#}
{% macro rejection_columns(row_rejection) -%}
    {{ struct_field(row_rejection, 'rejection_rule') }} as rejection_rule,
    {{ struct_field(row_rejection, 'column_name') }} as rejected_column,
    {{ struct_field(row_rejection, 'reported_value') }} as rejected_value
{%- endmacro %}


{#- A label kept only when it is one of `values` (NULL otherwise; vocabulary_rule says why). -#}
{% macro vocabulary_or_null(column, values) -%}
    (case when {{ column }} in ('{{ values | join("', '") }}') then {{ column }} end)
{%- endmacro %}


{#- The rule a label breaks when it is not one of `values`. -#}
{% macro vocabulary_rule(column, values) -%}
    {{ return(rule(
        column ~ " not in ('" ~ values | join("', '") ~ "')",
        "'vocabulary: " ~ column ~ " must be one of " ~ values | join(', ') ~ "'",
        column,
    )) }}
{%- endmacro %}


{#- True when a list of samples (latencies, times to first token ...) holds one that breaks
    metric_value_rule: the list is unusable, NULL as a whole. -#}
{% macro sample_list_is_bad(column) -%}
    (not {{ list_all(column, 'sample_ms', metric_value_rule('sample_ms') ~ ' is null') }})
{%- endmacro %}


{#- The rule a list of samples breaks (sample_list_is_bad); `words` names what a sample is. -#}
{% macro sample_list_rule(column, words) -%}
    {{ return(rule(
        sample_list_is_bad(column),
        "'" ~ words ~ " is NaN, infinite, absurd, zero or negative'",
        column,
        'left(cast(' ~ column ~ ' as ' ~ text_type() ~ '), 200)',
    )) }}
{%- endmacro %}


{#- The labels a landed result may carry, each with its vocabulary: another value is NULL. -#}
{% macro landed_result_labels() -%}
    {{ return({'isolation': ['forked_worker', 'in_process'], 'quality': ['ok', 'noisy']}) }}
{%- endmacro %}


{#- The row rules of a landed result (benchmark_results, generation_results), in the order they
    are checked: the required keys, then `kind_rules` (what only that kind requires), the batch
    size, `size_rules` (the input's size: sequence length; input and output lengths), status
    and precision. -#}
{% macro landed_result_row_rules(kind_rules=[], size_rules=[]) -%}
    {%- set required = [] -%}
    {%- for column, value in [
        ('result_id', 'result_id'),
        ('run_id', 'run_id'),
        ('model_name', 'model_name'),
        ('hardware_type', 'requested_hardware_type'),
    ] -%}
        {%- do required.append(rule(
            "nullif(trim(" ~ value ~ "), '') is null", "'required: " ~ column ~ "'", column, value
        )) -%}
    {%- endfor -%}
    {%- set statuses = ['completed', 'failed', 'oom', 'timeout', 'unsupported', 'unavailable'] -%}
    {{ return(required + kind_rules + [
        rule('batch_size is null', "'required: batch_size'", 'batch_size'),
        rule('batch_size < 1', "'range: batch_size must be 1 or more'", 'batch_size'),
    ] + size_rules + [
        rule(
            "status is null or status not in ('" ~ statuses | join("', '") ~ "')",
            "'vocabulary: status must be one of completed, failed, oom, timeout, '"
            ~ " || 'unsupported, unavailable'",
            'status',
        ),
        vocabulary_rule('precision', ['fp32', 'fp16', 'bf16', 'int8', 'int4', 'mixed']),
    ]) }}
{%- endmacro %}


{#- A landed result's checked values, as `* replace` items (star_replace): each metric of
    `metrics` through metric_or_null, each list of `sample_lists` (column: words for a sample)
    NULL when one sample is bad, each label (landed_result_labels) NULL outside its
    vocabulary. landed_result_replaced names the columns. -#}
{% macro landed_result_values(metrics, sample_lists) -%}
    {%- for column in metrics %}
    {{ metric_or_null(column) }} as {{ column }},
    {%- endfor %}
    {%- for column in sample_lists %}
    case when {{ sample_list_is_bad(column) }} is not true then {{ column }} end as {{ column }},
    {%- endfor %}
    {%- for column, values in landed_result_labels().items() %}
    {{ vocabulary_or_null(column, values) }} as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro landed_result_replaced(metrics, sample_lists) -%}
    {{ return(metrics + (sample_lists | list) + (landed_result_labels() | list)) }}
{%- endmacro %}


{#- What landed_result_values set to NULL, each with its reason, as a list of rejections. -#}
{% macro landed_result_value_rejections(metrics, sample_lists) -%}
    {%- set rules = [] -%}
    {%- for column, words in sample_lists.items() -%}
        {%- do rules.append(sample_list_rule(column, words)) -%}
    {%- endfor -%}
    {%- for column, values in landed_result_labels().items() -%}
        {%- do rules.append(vocabulary_rule(column, values)) -%}
    {%- endfor -%}
    {{ value_rejections(rules, [metric_value_rejections(metrics)]) }}
{%- endmacro %}


{#- rejected_rows' rows for one relation's rejections: `outcome` row_rejected reads its first
    rejection (rejection_columns: rejection_rule, rejected_column, rejected_value), value_nulled
    unnests its `value_rejections`. The other arguments are SQL expressions over the relation
    (source_kind and outcome are words); `where` picks the rows. -#}
{% macro rejections_of(
    relation, outcome, source_kind, source_table, source_file, file_sha256, row_identity,
    row_key, rejected_at, where='true'
) -%}
    select
        '{{ source_kind }}' as source_kind,
        source_table,
        source_file,
        file_sha256,
        row_identity,
        row_key,
        column_name,
        rejection_rule,
        reported_value,
        '{{ outcome }}' as outcome,
        rejected_at
    from (
        select
            {{ source_table }} as source_table,
            {{ source_file }} as source_file,
            {{ file_sha256 }} as file_sha256,
            {{ row_identity }} as row_identity,
            {{ row_key }} as row_key,
            {{ rejected_at }} as rejected_at,
            {%- if outcome == 'row_rejected' %}
            rejected_column as column_name,
            rejection_rule,
            rejected_value as reported_value
            {%- else %}
            -- rejection_rule, column_name, reported_value
            unnest(value_rejections, recursive := true)  -- noqa: AL03
            {%- endif %}
        from {{ relation }}
        where {{ where }}
    ) as rejections
{%- endmacro %}


{#- A finite number, 0 or more (a duration), else NULL; finite_non_negative_rule says why. -#}
{% macro finite_non_negative_or_null(column) -%}
    (case when {{ is_finite(column) }} and {{ column }} >= 0 then {{ column }} end)
{%- endmacro %}

{% macro finite_non_negative_rule(column) -%}
    {{ return(rule(
        'not (' ~ is_finite(column) ~ ' and ' ~ column ~ ' >= 0)',
        "'range: " ~ column ~ " must be a finite number, 0 or more'",
        column,
    )) }}
{%- endmacro %}


{#- The rule a fraction (a score 0-1) breaks outside 0-1 (NaN and infinities included); the
    value itself goes through fraction_or_null. -#}
{% macro fraction_rule(column) -%}
    {{ return(rule(
        'not (' ~ column ~ ' between 0 and 1)',
        "'range: " ~ column ~ " must be a fraction 0-1'",
        column,
    )) }}
{%- endmacro %}


{#- The rules of a landed row's required keys, in order, for first_rejection: a text key
    (an id, a hardware type) is missing when NULL or blank, any other when NULL. `columns` maps
    each key to true for text, false otherwise. -#}
{% macro required_rules(columns) -%}
    {%- set rules = [] -%}
    {%- for column, is_text in columns.items() -%}
        {%- do rules.append(rule(
            ("nullif(trim(" ~ column ~ "), '') is null") if is_text else (column ~ " is null"),
            "'required: " ~ column ~ "'",
            column,
        )) -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}
