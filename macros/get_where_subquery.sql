{#-
    dbt's hook for what a data test reads (the `where` config). A test on an incremental model
    can say `meta: {new_rows_only: true}`: it then checks only the rows the last build loaded
    (`loaded_at` is the time of the build's insert), so a build costs what landed, not the
    whole table. Rows loaded earlier were checked by the build that loaded them. Everything else
    is dbt's default.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set new_rows_only = (config.get('meta') or {}).get('new_rows_only', false) -%}
    {%- if new_rows_only -%}
        {%- set newest = '(select max(loaded_at) from ' ~ relation ~ ')' -%}
        {%- set where = ('loaded_at = ' ~ newest) ~ ((' and (' ~ where ~ ')') if where else '') -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
