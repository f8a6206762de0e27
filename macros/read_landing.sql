{#-
    Reads one landing-zone table: the Parquet files of <landing_root>/<table>/run_date=*/ that this
    build reads (landing_files_to_read), Hive-partitioned, unioned by column name, and unioned by
    name with an empty relation of the columns and types declared in _landing__sources.yml: a fresh
    clone (no file yet) builds, and a column added to the contract later reads as NULL from files
    written before it. Every row says the file it came from (`source_file`) and its position
    there (`file_row_number`): the landed row's key, unique whatever the file holds.
-#}
{% macro read_landing(table_name) -%}
    {{ return(adapter.dispatch('read_landing')(table_name)) }}
{%- endmacro %}

{%- macro default__read_landing(table_name) -%}
    {%- set relation = source('landing', table_name) -%}
    {%- if not execute -%}
        {{ relation }}
    {%- else -%}
        {%- set files = landing_files_to_read(table_name) -%}
        {%- set node = graph.sources['source.' ~ project_name ~ '.landing.' ~ table_name] -%}
        (
            -- the declared columns, typed, even when no file (or no old file) has them
            select
                {%- for column in node.columns.values() %}
                    cast(null as {{ column.data_type }}) as {{ column.name }},
                {%- endfor %}
                cast(null as date) as run_date,
                cast(null as varchar) as source_file,
                cast(null as bigint) as file_row_number
            where false
            {%- if files %}
                union all by name
                select *
                from read_parquet(
                    [{%- for file in files %}'{{ file }}'{{ ', ' if not loop.last }}{% endfor -%}],
                    hive_partitioning = true,
                    hive_types = {'run_date': date},
                    union_by_name = true,
                    filename = 'source_file',
                    file_row_number = true
                )
            {%- endif %}
        )
    {%- endif -%}
{%- endmacro %}


{#-
    The files of one landing kind a model reads in this run. Under `benchdb build` they come from
    the build's snapshot (env BENCHMARK_SNAPSHOT, benchdb/snapshot.py): files landing during the
    build wait for the next one. An incremental model reads only the snapshot's files it has not
    loaded yet (by `source_file`). Without a snapshot (dbt run by hand), every file landed now
    that is not withdrawn (withdrawn_landing_files).
-#}
{% macro landing_files_to_read(kind) -%}
    {{ return(adapter.dispatch('landing_files_to_read')(kind)) }}
{%- endmacro %}

{%- macro default__landing_files_to_read(kind) -%}
    {%- set snapshot = env_var('BENCHMARK_SNAPSHOT', '') -%}
    {%- if snapshot -%}
        {%- set query -%}
            select path
            from read_parquet('{{ snapshot }}')
            -- a file whose columns break the contract is listed, never read (rejected_rows)
            where kind = '{{ kind }}' and rejection is null
            {%- if is_incremental() %}
                and path not in (select distinct source_file from {{ this }})
            {%- endif %}
            order by path
        {%- endset -%}
    {%- else -%}
        {%- set query -%}
            select file
            from glob('{{ landing_root() }}/{{ kind }}/run_date=*/*.parquet')
            order by file
        {%- endset -%}
    {%- endif -%}
    {%- set files = run_query(query).columns[0].values() | list -%}
    {%- if not snapshot -%}
        {%- set left_out = withdrawn_landing_files() -%}
        {%- set files = files | reject('in', left_out) | list -%}
    {%- endif -%}
    {{ return(files) }}
{%- endmacro %}


{#-
    The absolute paths of the files withdrawn now (`benchdb landing forget`, benchdb/snapshot.py):
    those whose newest entry in <landing_root>/withdrawals/ is `forget`. A build's snapshot
    already leaves them out; this serves what has no snapshot (dbt run by hand) and the legacy
    manifest, whose rows for a withdrawn copy are left out with it.
-#}
{% macro withdrawn_landing_files() -%}
    {%- set pattern = landing_root() ~ '/withdrawals/run_date=*/*.parquet' -%}
    {%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')") -%}
    {%- if found.columns[0].values()[0] == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select '{{ landing_root() }}/' || relative_path
        from read_parquet('{{ pattern }}', union_by_name = true)
        group by relative_path
        having arg_max(action, recorded_at) = 'forget'
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}


{#-
    The landing zone's root: the `landing_root` var when given, else env BENCHMARK_LANDING_ROOT
    (benchdb's local copy of an S3 landing zone), else <BENCHMARK_DATA_DIR>/landing (benchdb
    passes an absolute path; `data/landing` from the project folder without it). Called only
    while running, never while parsing, so a new data folder keeps dbt's parse.
-#}
{% macro landing_root() -%}
    {%- set default = env_var('BENCHMARK_DATA_DIR', 'data') ~ '/landing' -%}
    {{ return(var('landing_root', env_var('BENCHMARK_LANDING_ROOT', '') or default)) }}
{%- endmacro %}
