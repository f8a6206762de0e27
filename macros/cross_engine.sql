{#-
    The Spark versions of the project's DuckDB-only SQL (docs/spark.md): each macro here is the
    `spark__` implementation of a macro the models call through adapter.dispatch; DuckDB keeps
    its `default__` version, so there is one set of models.
-#}

{#- read_landing on Spark: the same files of the build's snapshot, read as one Parquet source
    (their schemas merged: spark.sql.parquet.mergeSchema), the declared columns typed and NULL
    when no file has them, the Hive partition `run_date` taken from each file's path, and the
    file's path and row position as `source_file` and `file_row_number`, as DuckDB gives them. -#}
{% macro spark__read_landing(table_name) -%}
    {%- set relation = source('landing', table_name) -%}
    {%- if not execute -%}
        {{ relation }}
    {%- else -%}
        {%- set files = landing_files_to_read(table_name) -%}
        {%- set node = graph.sources['source.' ~ project_name ~ '.landing.' ~ table_name] -%}
        {%- set declared = node.columns.keys() | list -%}
        {%- set found = spark_parquet_columns(files) if files else [] -%}
        (
            select
                {%- for column in node.columns.values() %}
                    {%- if column.name in found %}
                    cast({{ column.name }} as {{ spark_type(column.data_type) }})
                    {%- else %}
                    cast(null as {{ spark_type(column.data_type) }})
                    {%- endif %} as {{ column.name }},
                {%- endfor %}
                {%- for column in found if column not in declared and column != 'run_date' %}
                    {{ column }},
                {%- endfor %}
                {%- if files %}
                    cast(
                        regexp_extract(_metadata.file_path, '/run_date=([^/]+)/', 1) as date
                    ) as run_date,
                    {{ spark_local_path('_metadata.file_path') }} as source_file,
                    _metadata.row_index as file_row_number
                from parquet.`{{ spark_glob(files) }}`
                {%- else %}
                    cast(null as date) as run_date,
                    cast(null as string) as source_file,
                    cast(null as bigint) as file_row_number
                from (select 1 as no_file) as nothing_landed
                where false
                {%- endif %}
        )
    {%- endif -%}
{%- endmacro %}


{#- The files a Spark build reads: the build's snapshot (benchdb build --engine spark always
    takes one); an incremental model leaves out the files it has loaded. -#}
{% macro spark__landing_files_to_read(kind) -%}
    {%- set snapshot = env_var('BENCHMARK_SNAPSHOT', '') -%}
    {%- if not snapshot -%}
        {{ exceptions.raise_compiler_error(
            "the Spark engine reads the landing zone through a build's snapshot: run it with "
            ~ "`benchdb build --engine spark` (docs/spark.md)"
        ) }}
    {%- endif -%}
    {%- set query -%}
        select path
        from parquet.`{{ snapshot }}`
        where kind = '{{ kind }}'
        {%- if is_incremental() %}
            and path not in (select distinct source_file from {{ this }})
        {%- endif %}
        order by path
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}


{#- The column names the given Parquet files hold, their schemas merged. -#}
{% macro spark_parquet_columns(files) -%}
    {%- set found = run_query('select * from parquet.`' ~ spark_glob(files) ~ '` limit 0') -%}
    {{ return(found.column_names | list) }}
{%- endmacro %}


{#- Several files as one Hadoop glob: their common folder, then the rest of each path as
    alternatives (`/landing/kind/{a,b}`: a glob that opens with `{` is not an absolute path),
    glob characters escaped. -#}
{% macro spark_glob(files) -%}
    {%- if files | length == 1 -%}
        {{ return(spark_glob_escape(files[0])) }}
    {%- endif -%}
    {%- set common = namespace(parts=files[0].split('/')[:-1]) -%}
    {%- for file in files[1:] -%}
        {%- set parts = file.split('/')[:-1] -%}
        {%- set same = namespace(count=0, differs=false) -%}
        {%- for part in common.parts -%}
            {%- if not same.differs and loop.index0 < parts | length
                and parts[loop.index0] == part -%}
                {%- set same.count = same.count + 1 -%}
            {%- else -%}
                {%- set same.differs = true -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set common.parts = common.parts[:same.count] -%}
    {%- endfor -%}
    {%- set prefix = common.parts | join('/') ~ '/' -%}
    {%- set rests = [] -%}
    {%- for file in files -%}
        {%- do rests.append(spark_glob_escape(file[prefix | length:])) -%}
    {%- endfor -%}
    {{ return(spark_glob_escape(prefix) ~ '{' ~ rests | join(',') ~ '}') }}
{%- endmacro %}


{#- A path with Hadoop's glob characters (and SQL's quote) escaped. -#}
{% macro spark_glob_escape(path) -%}
    {{ return(path | replace('\\', '\\\\') | replace('{', '\\{') | replace('}', '\\}')
        | replace(',', '\\,') | replace('[', '\\[') | replace(']', '\\]')
        | replace('*', '\\*') | replace('?', '\\?') | replace("'", "\\'")) }}
{%- endmacro %}


{#- A file URI as Spark reports it (file:/dir/x.parquet, percent-encoded) as the local path
    DuckDB reports; other schemes (s3a://, hdfs://) stay URIs. -#}
{% macro spark_local_path(uri) -%}
    url_decode(regexp_replace({{ uri }}, '^file:(//)?', ''))
{%- endmacro %}


{#- A type as _landing__sources.yml declares it (DuckDB's names) in Spark's names:
    varchar -> string, timestamptz -> timestamp, x[] -> array<x>, struct(a t, ...) ->
    struct<a: t, ...>. -#}
{% macro spark_type(duckdb_type) -%}
    {%- set name = duckdb_type | trim | lower -%}
    {%- if name.endswith('[]') -%}
        {{ return('array<' ~ spark_type(name[:-2]) ~ '>') }}
    {%- elif name.startswith('struct(') and name.endswith(')') -%}
        {%- set fields = [] -%}
        {%- for field in name[7:-1].split(',') -%}
            {%- set parts = field.strip().split(' ', 1) -%}
            {%- do fields.append(parts[0] ~ ': ' ~ spark_type(parts[1])) -%}
        {%- endfor -%}
        {{ return('struct<' ~ fields | join(', ') ~ '>') }}
    {%- endif -%}
    {{ return({
        'varchar': 'string',
        'text': 'string',
        'json': 'string',
        'timestamptz': 'timestamp',
        'timestamp with time zone': 'timestamp',
        'timestamp': 'timestamp_ntz',
    }.get(name, name)) }}
{%- endmacro %}


{#- stable_id on Spark: the same md5 of the same text as DuckDB writes it, so a key is the same
    on both engines; DuckDB writes a UTC timestamp with its offset (`+00`), Spark without. -#}
{% macro spark__stable_id(columns) -%}
    md5(concat_ws(
        '|'
        {%- for column in columns %},
        coalesce(
            case
                when typeof({{ column }}) = 'timestamp'
                    then concat(cast({{ column }} as string), '+00')
                else cast({{ column }} as string)
            end,
            '<null>'
        )
        {%- endfor %}
    ))
{%- endmacro %}


{#- `* exclude` as each engine spells it (Spark: `* except`); `relation` qualifies the star
    (`results.* exclude`). The column list follows in the model: {{ star_except() }} (a, b). -#}
{% macro star_except(relation=none) -%}
    {{ return(adapter.dispatch('star_except')(relation)) }}
{%- endmacro %}

{%- macro default__star_except(relation) -%}
    {{ relation ~ '.' if relation }}* exclude
{%- endmacro %}

{%- macro spark__star_except(relation) -%}
    {{ relation ~ '.' if relation }}* except
{%- endmacro %}


{#- Whether this engine's build reads the legacy files (benchdb migrate's documents): DuckDB
    does; the Spark engine builds from the landing zone only so far (docs/spark.md), so the
    models leave their legacy side out there. -#}
{% macro reads_legacy() -%}
    {{ return(target.type != 'spark') }}
{%- endmacro %}


{#- Text that is valid JSON, else NULL (DuckDB: try_cast(... as json), the text kept as is). -#}
{% macro try_json(text) -%}
    {{ return(adapter.dispatch('try_json')(text)) }}
{%- endmacro %}

{%- macro default__try_json(text) -%}
    try_cast({{ text }} as json)
{%- endmacro %}

{%- macro spark__try_json(text) -%}
    (case when get_json_object({{ text }}, '$') is not null then {{ text }} end)
{%- endmacro %}


{#- Where the engine has no legacy side (reads_legacy), the columns only the legacy side gives,
    NULL and typed, as select-list items (each after a comma) for where the union by name puts
    them (after the landing side's columns): the union's shape without the legacy models.
    Nothing where the legacy side is read. -#}
{% macro legacy_only_columns(kind) -%}
    {%- if reads_legacy() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set columns = {
        'benchmark_results': [
            ('source_path', 'string'),
            ('source_shape', 'string'),
            ('device_memory_allocated_mb', 'double'),
            ('source_details', 'string'),
        ],
        'compatibility_results': [
            ('source_path', 'string'),
            ('source_shape', 'string'),
        ],
        'integration_results': [
            ('simulation_reason', 'string'),
            ('source_path', 'string'),
            ('source_shape', 'string'),
            ('legacy_row_id', 'string'),
            ('file_id', 'string'),
        ],
        'hardware_events': [
            ('os', 'string'),
            ('cuda_version', 'string'),
            ('device_memory_gb', 'double'),
            ('device_compute_units', 'int'),
            ('source_path', 'string'),
        ],
        'test_runs': [
            ('success_rate', 'double'),
            ('error_message', 'string'),
            ('parent_run_id', 'string'),
            ('source_path', 'string'),
            ('source_shape', 'string'),
        ],
    }[kind] -%}
    {%- for name, type in columns %},
    cast(null as {{ type }}) as {{ name }}
    {%- endfor %}
{%- endmacro %}


{#- isinf: true for +/- infinity (Spark has no isinf). -#}
{% macro is_infinite(value) -%}
    {{ return(adapter.dispatch('is_infinite')(value)) }}
{%- endmacro %}

{%- macro default__is_infinite(value) -%}
    isinf({{ value }})
{%- endmacro %}

{%- macro spark__is_infinite(value) -%}
    (abs({{ value }}) = double('Infinity'))
{%- endmacro %}


{#- rejection (macros/value_rules.sql) on Spark: a named_struct with the same fields. -#}
{% macro spark__rejection(rule, column_name, value) -%}
    named_struct(
        'rejection_rule', {{ rule }},
        'column_name', '{{ column_name }}',
        'reported_value', cast({{ value }} as string)
    )
{%- endmacro %}


{#- metric_value_rejections (macros/value_rules.sql) on Spark: filter over an array. -#}
{% macro spark__metric_value_rejections(columns) -%}
    filter(
        array(
            {%- for column in columns %}
            {{ rejection(metric_value_rule(column), column, column) }}{{ ',' if not loop.last }}
            {%- endfor %}
        ),
        candidate -> candidate.rejection_rule is not null
    )
{%- endmacro %}


{#- True when every element of a list passes `predicate` (an expression of `element`); NULL or
    true for an empty list as each engine has it (both read as "none breaks it"). -#}
{% macro list_all(list, element, predicate) -%}
    {{ return(adapter.dispatch('list_all')(list, element, predicate)) }}
{%- endmacro %}

{%- macro default__list_all(list, element, predicate) -%}
    list_bool_and(list_transform({{ list }}, lambda {{ element }}: {{ predicate }}))
{%- endmacro %}

{%- macro spark__list_all(list, element, predicate) -%}
    forall({{ list }}, {{ element }} -> {{ predicate }})
{%- endmacro %}


{#- `* replace (<expr> as <column>, ...)`: open with star_replace(columns), close with
    end_star_replace(). Spark has no replace: `* except (columns), <expr> as <column>, ...`,
    the replaced columns after the others. -#}
{% macro star_replace(columns) -%}
    {{ return(adapter.dispatch('star_replace')(columns)) }}
{%- endmacro %}

{%- macro default__star_replace(columns) -%}
    * replace (
{%- endmacro %}

{%- macro spark__star_replace(columns) -%}
    * except ({{ columns | join(', ') }}),
{%- endmacro %}

{% macro end_star_replace() -%}
    {{ return(adapter.dispatch('end_star_replace')()) }}
{%- endmacro %}

{%- macro default__end_star_replace() -%}
    )
{%- endmacro %}

{%- macro spark__end_star_replace() -%}
{%- endmacro %}


{#- A field of a struct value (DuckDB: struct_extract). -#}
{% macro struct_field(struct, field) -%}
    {{ return(adapter.dispatch('struct_field')(struct, field)) }}
{%- endmacro %}

{%- macro default__struct_field(struct, field) -%}
    struct_extract({{ struct }}, '{{ field }}')
{%- endmacro %}

{%- macro spark__struct_field(struct, field) -%}
    {{ struct }}.{{ field }}
{%- endmacro %}


{#- A list literal: [a, b] (Spark: array(a, b)); `items` are SQL expressions. -#}
{% macro list_of(items) -%}
    {{ return(adapter.dispatch('list_of')(items)) }}
{%- endmacro %}

{%- macro default__list_of(items) -%}
    [{{ items | join(', ') }}]
{%- endmacro %}

{%- macro spark__list_of(items) -%}
    array({{ items | join(', ') }})
{%- endmacro %}


{#- The name of the function that concatenates lists (Spark: concat). -#}
{% macro list_concat_name() -%}
    {{ return('concat' if target.type == 'spark' else 'list_concat') }}
{%- endmacro %}


{#- The text type's name in casts (Spark: string; its varchar needs a length). -#}
{% macro text_type() -%}
    {{ return('string' if target.type == 'spark' else 'varchar') }}
{%- endmacro %}


{#- Continuous quantiles of a list's values, linearly interpolated (DuckDB quantile_cont):
    `quantiles` one number (a value) or a list of numbers (a list of values, one sort). Spark:
    the sorted values, position q * (n - 1), interpolated between its neighbours as DuckDB
    does (lo + (hi - lo) * fraction). Numbers may be given as text ('0.50'). -#}
{% macro list_quantile_cont(list, quantiles) -%}
    {{ return(adapter.dispatch('list_quantile_cont')(list, quantiles)) }}
{%- endmacro %}

{%- macro default__list_quantile_cont(list, quantiles) -%}
    list_aggregate(
        {{ list }},
        'quantile_cont',
        {{ '[' ~ quantiles | join(', ') ~ ']' if quantiles is not string and quantiles is iterable else quantiles }}
    )
{%- endmacro %}

{%- macro spark__list_quantile_cont(list, quantiles) -%}
    {%- set single = quantiles is string or quantiles is not iterable -%}
    {%- set position = 'cast(q as double) * (size(sorted) - 1)' -%}
    {%- set interpolated -%}
        get(sorted, cast(floor({{ position }}) as int))
        + (get(sorted, cast(ceil({{ position }}) as int))
            - get(sorted, cast(floor({{ position }}) as int)))
        * ({{ position }} - floor({{ position }}))
    {%- endset -%}
    get(
        transform(
            array(array_sort(filter({{ list }}, sample -> sample is not null))),
            sorted -> transform(
                array({{ quantiles if single else quantiles | join(', ') }}),
                q -> {{ interpolated }}
            ){{ '[0]' if single }}
        ),
        0
    )
{%- endmacro %}


{#- The element at a 1-based position of a list (DuckDB list[i]); NULL beyond its end. -#}
{% macro list_at(list, index) -%}
    {{ return(adapter.dispatch('list_at')(list, index)) }}
{%- endmacro %}

{%- macro default__list_at(list, index) -%}
    {{ list }}[{{ index }}]
{%- endmacro %}

{%- macro spark__list_at(list, index) -%}
    try_element_at({{ list }}, {{ index }})
{%- endmacro %}


{#- The number of elements of a list, NULL for a NULL list (DuckDB len; Spark size, which
    gives -1 for NULL outside ANSI mode, as dbt-spark's session runs: NULL kept NULL here). -#}
{% macro list_length(list) -%}
    {{ return(adapter.dispatch('list_length')(list)) }}
{%- endmacro %}

{%- macro default__list_length(list) -%}
    len({{ list }})
{%- endmacro %}

{%- macro spark__list_length(list) -%}
    (case when {{ list }} is not null then size({{ list }}) end)
{%- endmacro %}


{#- The mean, minimum, maximum and sample standard deviation of a list's values, NULLs left
    out (DuckDB list_avg, list_min, list_max, list_aggregate(..., 'stddev_samp')). Spark: an
    aggregate over the array; the deviation by Welford's method, as DuckDB computes it, NULL
    under two values. -#}
{% macro list_mean(list) -%}
    {{ return(adapter.dispatch('list_mean')(list)) }}
{%- endmacro %}

{%- macro default__list_mean(list) -%}
    list_avg({{ list }})
{%- endmacro %}

{%- macro spark__list_mean(list) -%}
    try_divide(
        aggregate({{ list }}, 0D, (total, sample) -> total + coalesce(sample, 0D)),
        size(filter({{ list }}, sample -> sample is not null))
    )
{%- endmacro %}

{% macro list_minimum(list) -%}
    {{ return(adapter.dispatch('list_minimum')(list)) }}
{%- endmacro %}

{%- macro default__list_minimum(list) -%}
    list_min({{ list }})
{%- endmacro %}

{%- macro spark__list_minimum(list) -%}
    array_min({{ list }})
{%- endmacro %}

{% macro list_maximum(list) -%}
    {{ return(adapter.dispatch('list_maximum')(list)) }}
{%- endmacro %}

{%- macro default__list_maximum(list) -%}
    list_max({{ list }})
{%- endmacro %}

{%- macro spark__list_maximum(list) -%}
    array_max({{ list }})
{%- endmacro %}

{% macro list_stddev(list) -%}
    {{ return(adapter.dispatch('list_stddev')(list)) }}
{%- endmacro %}

{%- macro default__list_stddev(list) -%}
    list_aggregate({{ list }}, 'stddev_samp')
{%- endmacro %}

{%- macro spark__list_stddev(list) -%}
    aggregate(
        filter({{ list }}, sample -> sample is not null),
        named_struct('n', 0D, 'mean', 0D, 'm2', 0D),
        (acc, sample) -> named_struct(
            'n', acc.n + 1,
            'mean', acc.mean + (sample - acc.mean) / (acc.n + 1),
            'm2', acc.m2 + (sample - acc.mean) * (sample - (acc.mean + (sample - acc.mean) / (acc.n + 1)))
        ),
        acc -> case when acc.n > 1 then sqrt(acc.m2 / (acc.n - 1)) end
    )
{%- endmacro %}


{#- The value of the row with the largest key among the rows whose value is not NULL (DuckDB
    arg_max leaves those rows out; Spark max_by, its key NULL for them). -#}
{% macro value_at_max(value, key) -%}
    {{ return(adapter.dispatch('value_at_max')(value, key)) }}
{%- endmacro %}

{%- macro default__value_at_max(value, key) -%}
    arg_max({{ value }}, {{ key }})
{%- endmacro %}

{%- macro spark__value_at_max(value, key) -%}
    max_by({{ value }}, case when {{ value }} is not null then {{ key }} end)
{%- endmacro %}


{#- Any non-NULL value of the group (DuckDB any_value skips NULLs; Spark's needs `true`). -#}
{% macro any_non_null(value) -%}
    {{ return(adapter.dispatch('any_non_null')(value)) }}
{%- endmacro %}

{%- macro default__any_non_null(value) -%}
    any_value({{ value }})
{%- endmacro %}

{%- macro spark__any_non_null(value) -%}
    any_value({{ value }}, true)
{%- endmacro %}


{#- A UTC timestamp as text, `2026-11-27 10:00:00 UTC` (DuckDB strftime, Spark date_format;
    both sessions are in UTC). -#}
{% macro utc_timestamp_text(timestamp) -%}
    {{ return(adapter.dispatch('utc_timestamp_text')(timestamp)) }}
{%- endmacro %}

{%- macro default__utc_timestamp_text(timestamp) -%}
    strftime({{ timestamp }}, '%Y-%m-%d %H:%M:%S UTC')
{%- endmacro %}

{%- macro spark__utc_timestamp_text(timestamp) -%}
    date_format({{ timestamp }}, "yyyy-MM-dd HH:mm:ss 'UTC'")
{%- endmacro %}


{#- Seconds since 1970 of a timestamp, with their fraction (DuckDB epoch, Spark from
    unix_micros). -#}
{% macro epoch_seconds(timestamp) -%}
    {{ return(adapter.dispatch('epoch_seconds')(timestamp)) }}
{%- endmacro %}

{%- macro default__epoch_seconds(timestamp) -%}
    epoch({{ timestamp }})
{%- endmacro %}

{%- macro spark__epoch_seconds(timestamp) -%}
    (unix_micros({{ timestamp }}) / 1e6)
{%- endmacro %}


{#- A number as text with `format`'s decimals ('%.3f': 3), the same text on both engines
    (DuckDB printf, Spark format_string; NULL for NULL, where format_string writes 'null'). The
    value is rounded first, in double arithmetic as both engines do it: floor(value * 10^N +
    0.5) / 10^N, half up, so a tie such as 0.00035 ('%.4f') is 0.0004 on both. Printed as it
    is, C would round the exact binary value (0.000349999... -> 0.0003) and Java the shortest
    decimal half up (0.0004). NaN and infinities are printed unrounded (nan, NaN: each
    engine's spelling). -#}
{% macro format_number(format, value) -%}
    {%- set digits = format[2:-1] -%}
    {%- if not (format.startswith('%.') and format.endswith('f') and digits.isdigit()) -%}
        {{ exceptions.raise_compiler_error(
            "format_number takes '%.<digits>f' formats, not " ~ format
        ) }}
    {%- endif -%}
    {%- set scale = '1e' ~ digits -%}
    {%- set rounded -%}
        case
            when {{ is_finite(value) }}
                then floor({{ value }} * {{ scale }} + 0.5) / {{ scale }}
            else {{ value }}
        end
    {%- endset -%}
    {{ return(adapter.dispatch('format_number')(format, rounded)) }}
{%- endmacro %}

{%- macro default__format_number(format, value) -%}
    printf('{{ format }}', {{ value }})
{%- endmacro %}

{%- macro spark__format_number(format, value) -%}
    case when {{ value }} is not null then format_string('{{ format }}', {{ value }}) end
{%- endmacro %}


{#- A JSON object of (key, SQL expression) pairs, NULL values written as null (DuckDB
    json_object; Spark to_json of a struct, its NULL fields kept). A value from json_value is
    nested as JSON, not as text. -#}
{% macro json_object_of(fields) -%}
    {{ return(adapter.dispatch('json_object_of')(fields)) }}
{%- endmacro %}

{%- macro default__json_object_of(fields) -%}
    json_object(
        {%- for key, value in fields %}
        '{{ key }}', {{ value }}{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{%- macro spark__json_object_of(fields) -%}
    to_json(
        named_struct(
            {%- for key, value in fields %}
            '{{ key }}', {{ value }}{{ ',' if not loop.last }}
            {%- endfor %}
        ),
        map('ignoreNullFields', 'false')
    )
{%- endmacro %}


{#- Text that is valid JSON as a JSON value, else NULL (DuckDB try_cast(... as json), Spark
    try_parse_json: a variant that to_json writes as JSON). -#}
{% macro json_value(text) -%}
    {{ return(adapter.dispatch('json_value')(text)) }}
{%- endmacro %}

{%- macro default__json_value(text) -%}
    try_cast({{ text }} as json)
{%- endmacro %}

{%- macro spark__json_value(text) -%}
    try_parse_json({{ text }})
{%- endmacro %}


{#- A field of a JSON text as text, NULL when the text is not JSON or has no such field
    (DuckDB json_extract_string, Spark get_json_object). -#}
{% macro json_field_text(text, path) -%}
    {{ return(adapter.dispatch('json_field_text')(text, path)) }}
{%- endmacro %}

{%- macro default__json_field_text(text, path) -%}
    json_extract_string(try_cast({{ text }} as json), '{{ path }}')
{%- endmacro %}

{%- macro spark__json_field_text(text, path) -%}
    get_json_object({{ text }}, '{{ path }}')
{%- endmacro %}


{#- `asof left join` of `relation` (a CTE, also its alias): each left row gets the right row
    of the same key with the newest `right_time` at or before `left_time`. Spark has no asof
    join: a range join on each right row's time and the next one's of its key. -#}
{% macro asof_left_join(relation, left_key, right_key, left_time, right_time) -%}
    {{ return(adapter.dispatch('asof_left_join')(
        relation, left_key, right_key, left_time, right_time
    )) }}
{%- endmacro %}

{%- macro default__asof_left_join(relation, left_key, right_key, left_time, right_time) -%}
    asof left join {{ relation }}
        on
            {{ left_key }} = {{ relation }}.{{ right_key }}
            and {{ left_time }} >= {{ relation }}.{{ right_time }}
{%- endmacro %}

{%- macro spark__asof_left_join(relation, left_key, right_key, left_time, right_time) -%}
    left join (
        select
            *,
            lead({{ right_time }}) over (
                partition by {{ right_key }} order by {{ right_time }}
            ) as next_{{ right_time }}
        from {{ relation }}
    ) as {{ relation }}
        on
            {{ left_key }} = {{ relation }}.{{ right_key }}
            and {{ left_time }} >= {{ relation }}.{{ right_time }}
            and (
                {{ relation }}.next_{{ right_time }} is null
                or {{ left_time }} < {{ relation }}.next_{{ right_time }}
            )
{%- endmacro %}


{#- The materialization of the incremental models of the results chain: incremental on
    DuckDB (macros/incremental.sql); a table on Spark, whose builds are always full
    (docs/spark.md) and whose adapter has no delete+insert. -#}
{% macro incremental_or_table() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}


{#- The column names of a built relation, for union_all_by_name: none on DuckDB (its union by
    name needs none, so nothing is queried); on Spark the relation's columns as the engine
    describes them (none while dbt parses). -#}
{% macro relation_columns(relation) -%}
    {{ return(adapter.dispatch('relation_columns')(relation)) }}
{%- endmacro %}

{%- macro default__relation_columns(relation) -%}
    {{ return([]) }}
{%- endmacro %}

{%- macro spark__relation_columns(relation) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(adapter.get_columns_in_relation(relation) | map(attribute='name') | list) }}
{%- endmacro %}


{#- `union all by name` of CTEs, each given as (name, [its columns]): DuckDB's union by name;
    Spark has none (4.3 refuses it), so each select names every column of the union, in the
    order DuckDB gives them (the first relation's, then each new one's), NULL where a relation
    lacks it. -#}
{% macro union_all_by_name(relations) -%}
    {{ return(adapter.dispatch('union_all_by_name')(relations)) }}
{%- endmacro %}

{%- macro default__union_all_by_name(relations) -%}
    {%- for name, columns in relations %}
    select * from {{ name }}
    {%- if not loop.last %}
    union all by name
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{%- macro spark__union_all_by_name(relations) -%}
    {%- set all_columns = [] -%}
    {%- for name, columns in relations -%}
        {%- for column in columns if column not in all_columns -%}
            {%- do all_columns.append(column) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for name, columns in relations %}
    select
        {%- for column in all_columns %}
        {{ column if column in columns else 'null as ' ~ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ name }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#- The distinct non-NULL values of a group as a sorted list, NULL when there is none (DuckDB
    list(distinct ... order by ...) filter; Spark array_sort(collect_set(...))). -#}
{% macro sorted_distinct_list(value) -%}
    {{ return(adapter.dispatch('sorted_distinct_list')(value)) }}
{%- endmacro %}

{%- macro default__sorted_distinct_list(value) -%}
    list(distinct {{ value }} order by {{ value }}) filter (where {{ value }} is not null)
{%- endmacro %}

{%- macro spark__sorted_distinct_list(value) -%}
    case when count({{ value }}) > 0 then array_sort(collect_set({{ value }})) end
{%- endmacro %}
