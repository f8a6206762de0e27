{#-
    A model's required columns, checked in one query: one failing row per column that holds
    NULLs, with how many. One test per model rather than dbt's `not_null` per column: every
    test is a dbt node, and each node costs tens of milliseconds of every build.
-#}
{% test columns_not_null(model, columns) %}

with

null_counts as (

    select
        {%- for column in columns %}
            sum(case when {{ adapter.quote(column) }} is null then 1 else 0 end)
                as null_rows_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}

)

{% for column in columns -%}
    select
        '{{ column }}' as column_name,
        null_rows_{{ loop.index }} as null_rows
    from null_counts
    where null_rows_{{ loop.index }} > 0
    {{ 'union all' if not loop.last }}
{% endfor %}

{% endtest %}
