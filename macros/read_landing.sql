{#-
    Reads one landing-zone table: every Parquet file under <landing_root>/<table>/run_date=*/,
    Hive-partitioned, unioned by column name. When no file has landed yet it returns an empty
    relation with the columns and types declared in _landing__sources.yml, so a fresh clone builds.
-#}
{% macro read_landing(table_name) -%}
    {%- set relation = source('landing', table_name) -%}
    {%- set pattern = var('landing_root') ~ '/' ~ table_name ~ '/run_date=*/*.parquet' -%}
    {%- set ns = namespace(file_count=0) -%}
    {%- if execute -%}
        {%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')") -%}
        {%- set ns.file_count = found.columns[0].values()[0] -%}
    {%- endif -%}
    {%- if not execute -%}
        {{ relation }}
    {%- elif ns.file_count > 0 -%}
        read_parquet(
            '{{ pattern }}',
            hive_partitioning = true,
            hive_types = {'run_date': date},
            union_by_name = true
        )
    {%- else -%}
        {%- set node = graph.sources['source.' ~ project_name ~ '.landing.' ~ table_name] -%}
        (
            select
                {%- for column in node.columns.values() %}
                    cast(null as {{ column.data_type }}) as {{ column.name }},
                {%- endfor %}
                cast(null as date) as run_date
            where false
        )
    {%- endif -%}
{%- endmacro %}
