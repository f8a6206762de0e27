{#-
    Reads one landing-zone table: every Parquet file under <landing_root>/<table>/run_date=*/,
    Hive-partitioned, unioned by column name, and unioned by name with an empty relation of the
    columns and types declared in _landing__sources.yml: a fresh clone (no file yet) builds, and
    a column added to the contract later reads as NULL from files written before it.
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
    {%- else -%}
        {%- set node = graph.sources['source.' ~ project_name ~ '.landing.' ~ table_name] -%}
        (
            -- the declared columns, typed, even when no file (or no old file) has them
            select
                {%- for column in node.columns.values() %}
                    cast(null as {{ column.data_type }}) as {{ column.name }},
                {%- endfor %}
                cast(null as date) as run_date
            where false
            {%- if ns.file_count > 0 %}
                union all by name
                select *
                from read_parquet(
                    '{{ pattern }}',
                    hive_partitioning = true,
                    hive_types = {'run_date': date},
                    union_by_name = true
                )
            {%- endif %}
        )
    {%- endif -%}
{%- endmacro %}
