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


{#- Several files as one Hadoop glob ({a,b,c}), its special characters escaped. -#}
{% macro spark_glob(files) -%}
    {%- set escaped = [] -%}
    {%- for file in files -%}
        {%- set text = file | replace('\\', '\\\\') | replace('{', '\\{') | replace('}', '\\}')
            | replace(',', '\\,') | replace('[', '\\[') | replace(']', '\\]')
            | replace('*', '\\*') | replace('?', '\\?') | replace("'", "\\'") -%}
        {%- do escaped.append(text) -%}
    {%- endfor -%}
    {%- if escaped | length == 1 -%}
        {{ return(escaped[0]) }}
    {%- endif -%}
    {{ return('{' ~ escaped | join(',') ~ '}') }}
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
