{#- A surrogate key: md5 of the natural key's columns, the same on every rebuild and machine. -#}
{% macro stable_id(columns) -%}
    {{ return(adapter.dispatch('stable_id')(columns)) }}
{%- endmacro %}

{%- macro default__stable_id(columns) -%}
    md5(concat_ws(
        '|'
        {%- for column in columns %},
        coalesce(cast({{ column }} as varchar), '<null>')
        {%- endfor %}
    ))
{%- endmacro %}
