{#-
    dbt's hook for what a data test reads (the `where` config). A test on an incremental model
    (macros/incremental.sql) checks the rows its last run wrote (the newest `loaded_at`): rows
    written earlier were checked by the build that wrote them, so a build's tests cost what
    changed, not the whole table. On a full refresh every row has the same `loaded_at` and all
    are checked. Everything else is dbt's default.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if execute and tested_model_is_incremental(relation) -%}
        {%- set newest = 'loaded_at = (select max(loaded_at) from ' ~ relation ~ ')' -%}
        {%- set where = newest ~ ((' and (' ~ where ~ ')') if where else '') -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{#- Whether the relation a test reads is an incremental model of this project. -#}
{% macro tested_model_is_incremental(relation) -%}
    {%- for node_id in model.depends_on.nodes if node_id.startswith('model.') -%}
        {%- set node = graph.nodes.get(node_id) -%}
        {%- if node and (node.alias or node.name) == relation.identifier
            and node.config.materialized == 'incremental' -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}
