{#-
    Reads the legacy JSON part of the landing zone (docs/landing_zone.md, "Legacy JSON"):
    `manifest` is every manifest Parquet file `benchdb migrate` wrote; `documents` is one row per
    registered file (content-addressed under legacy_files/), read whole with DuckDB's JSON reader
    (`filename`, `json`). With no file there yet it returns an empty relation with the columns
    declared in _legacy__sources.yml, so an empty landing zone builds.
-#}
{% macro read_legacy(table_name) -%}
    {%- set relation = source('legacy', table_name) -%}
    {%- set ns = namespace(file_count=0) -%}
    {%- if execute -%}
        {#- the landing root is read only while running (a new data folder keeps the parse) -#}
        {%- if table_name == 'manifest' -%}
            {%- set pattern = landing_root() ~ '/legacy_manifest/run_date=*/*.parquet' -%}
        {%- else -%}
            {%- set pattern = landing_root() ~ '/legacy_files/*/*.json' -%}
        {%- endif -%}
        {%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')") -%}
        {%- set ns.file_count = found.columns[0].values()[0] -%}
    {%- endif -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {#- parsing, or a unit test: its fixture stands in for the source -#}
        {{ relation }}
    {%- elif ns.file_count > 0 and table_name == 'manifest' -%}
        read_parquet(
            '{{ pattern }}',
            hive_partitioning = true,
            hive_types = {'run_date': date},
            union_by_name = true
        )
    {%- elif ns.file_count > 0 -%}
        {#- 256 MiB per document, as benchdb/migrate.py checks before registering: the reader
            buffers twice that per thread, inside the build's memory_limit -#}
        read_json_objects(
            '{{ pattern }}',
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
