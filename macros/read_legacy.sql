{#-
    Reads the legacy JSON part of the landing zone (docs/landing_zone.md, "Legacy JSON"):
    `manifest` is every manifest Parquet file `benchdb migrate` wrote; `documents` is one row per
    registered file (content-addressed under legacy_files/), read whole with DuckDB's JSON reader
    (`filename`, `json`). With no file there yet it returns an empty relation with the columns
    declared in _legacy__sources.yml, so an empty landing zone builds. A withdrawn copy
    (`benchdb landing forget`) is not read, and its manifest rows are left out with it; under
    `benchdb build` the documents are exactly the build's snapshot's.
-#}
{% macro read_legacy(table_name) -%}
    {%- set relation = source('legacy', table_name) -%}
    {%- set ns = namespace(file_count=0, files=[], withdrawn=[]) -%}
    {%- if execute -%}
        {#- the landing root is read only while running (a new data folder keeps the parse) -#}
        {%- if table_name == 'manifest' -%}
            {%- set pattern = landing_root() ~ '/legacy_manifest/run_date=*/*.parquet' -%}
            {%- set ns.withdrawn = withdrawn_landing_files() -%}
        {%- else -%}
            {%- set pattern = landing_root() ~ '/legacy_files/*/*.json' -%}
        {%- endif -%}
        {%- set snapshot = env_var('BENCHMARK_SNAPSHOT', '') -%}
        {%- if table_name == 'documents' and snapshot -%}
            {%- set query -%}
                select path from read_parquet('{{ snapshot }}')
                where kind = 'legacy_files' order by path
            {%- endset -%}
            {%- set ns.files = run_query(query).columns[0].values() | list -%}
        {%- else -%}
            {%- set query = "select file from glob('" ~ pattern ~ "') order by file" -%}
            {%- set ns.files = run_query(query).columns[0].values() | list -%}
            {%- if table_name == 'documents' -%}
                {%- set ns.files = ns.files | reject('in', withdrawn_landing_files()) | list -%}
            {%- endif -%}
        {%- endif -%}
        {%- set ns.file_count = ns.files | length -%}
    {%- endif -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {#- parsing, or a unit test: its fixture stands in for the source -#}
        {{ relation }}
    {%- elif ns.file_count > 0 and table_name == 'manifest' -%}
        (
            select *
            from read_parquet(
                '{{ pattern }}',
                hive_partitioning = true,
                hive_types = {'run_date': date},
                union_by_name = true
            )
            {%- if ns.withdrawn %}
                -- the rows of withdrawn copies (`benchdb landing forget`) leave with them
                where stored_path is null or stored_path not in (
                    {%- for path in ns.withdrawn %}
                    '{{ path[landing_root() | length + 1:] }}'{{ ',' if not loop.last }}
                    {%- endfor %}
                )
            {%- endif %}
        )
    {%- elif ns.file_count > 0 -%}
        {#- 256 MiB per document, as benchdb/migrate.py checks before registering: the reader
            buffers twice that per thread, inside the build's memory_limit -#}
        read_json_objects(
            [{%- for file in ns.files %}'{{ file }}'{{ ', ' if not loop.last }}{% endfor -%}],
            format = 'unstructured',
            filename = true,
            maximum_object_size = 268435456
        )
    {%- else -%}
        {%- set node = graph.sources['source.' ~ project_name ~ '.legacy.' ~ table_name] -%}
        (
            select
                {%- for column in node.columns.values() %}
                    cast(null as {{ column.data_type }}) as {{ column.name }}
                    {%- if not loop.last or table_name == 'manifest' %},{% endif %}
                {%- endfor %}
                {%- if table_name == 'manifest' %}
                    cast(null as date) as run_date
                {%- endif %}
            where false
        )
    {%- endif -%}
{%- endmacro %}
