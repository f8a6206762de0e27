{#-
    A mart's whole contract in one query, so one dbt node per model instead of one per rule
    (every node costs tens of milliseconds of every build; docs/builds.md "dbt's own costs").
    Returns one row per rule that fails: the rule in words and how many rows break it.

    arguments:
      not_null:  [column, ...]              required columns
      rules:     a list, each one of
        - unique: column                    no value twice (NULLs ignored, as dbt's `unique`)
        - not_null: column                  with `where:` (a column required on some rows)
        - accepted_values: column           with `values: [...]` (NULLs pass, as in dbt)
        - relationship: column              with `to: <model>` and `field: <column>`: every
                                            non-NULL value exists in that model
        - expression: SQL                   true on every row (NULL passes, as in dbt)
      any rule may add `where: SQL` to check only the rows it selects.

    On an incremental model `model` is the rows the last build wrote (macros/get_where_subquery.sql).
    When a build fails here, `benchdb build` runs this query again and prints the failing rules.
-#}
{% test rules(model, not_null=[], rules=[]) %}

{%- set row_checks = [] -%}
{%- set table_checks = [] -%}

{%- for column in not_null -%}
    {%- do row_checks.append(('not_null ' ~ column, adapter.quote(column) ~ ' is null')) -%}
{%- endfor -%}

{%- for rule in rules -%}
    {%- set where = rule.get('where') -%}
    {%- set only = (' where ' ~ where) if where else '' -%}
    {%- if 'unique' in rule -%}
        {%- set column = adapter.quote(rule['unique']) -%}
        {%- do table_checks.append((
            'unique ' ~ rule['unique'] ~ only,
            'select count(*) from (select ' ~ column ~ ' from tested'
            ~ ' where ' ~ column ~ ' is not null' ~ ((' and (' ~ where ~ ')') if where else '')
            ~ ' group by ' ~ column ~ ' having count(*) > 1)'
        )) -%}
    {%- elif 'relationship' in rule -%}
        {%- set column = adapter.quote(rule['relationship']) -%}
        {%- do table_checks.append((
            'relationship ' ~ rule['relationship'] ~ ' -> ' ~ rule['to'] ~ '.' ~ rule['field'] ~ only,
            'select count(*) from tested as child where child.' ~ column ~ ' is not null'
            ~ ((' and (' ~ where ~ ')') if where else '')
            ~ ' and not exists (select 1 from ' ~ ref(rule['to']) ~ ' as parent where parent.'
            ~ adapter.quote(rule['field']) ~ ' = child.' ~ column ~ ')'
        )) -%}
    {%- else -%}
        {%- if 'not_null' in rule -%}
            {%- set label = 'not_null ' ~ rule['not_null'] -%}
            {%- set broken = adapter.quote(rule['not_null']) ~ ' is null' -%}
        {%- elif 'accepted_values' in rule -%}
            {%- set label = 'accepted_values ' ~ rule['accepted_values'] -%}
            {%- set listed = [] -%}
            {%- for value in rule['values'] -%}
                {%- do listed.append("'" ~ value ~ "'") -%}
            {%- endfor -%}
            {%- set broken = adapter.quote(rule['accepted_values']) ~ ' not in ('
                ~ listed | join(', ') ~ ')' -%}
        {%- elif 'expression' in rule -%}
            {%- set label = 'expression ' ~ rule['expression'] | trim -%}
            {%- set broken = 'not (' ~ rule['expression'] ~ ')' -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error('rules: unknown rule ' ~ rule) }}
        {%- endif -%}
        {%- do row_checks.append((
            label ~ only,
            '(' ~ broken ~ ')' ~ ((' and (' ~ where ~ ')') if where else '')
        )) -%}
    {%- endif -%}
{%- endfor %}

with

tested as (

    select * from {{ model }}

),

{% if row_checks -%}
row_counts as (

    select
        {%- for check in row_checks %}
            count(*) filter (where {{ check[1] }}) as failing_{{ loop.index }}
            {{- ',' if not loop.last }}
        {%- endfor %}
    from tested

),
{%- endif %}

failures as (

    {% for check in row_checks -%}
        select
            '{{ check[0] | replace("'", "''") | replace('\n', ' ') }}' as rule,
            failing_{{ loop.index }} as failing_rows
        from row_counts
        union all
    {% endfor -%}
    {%- for check in table_checks -%}
        select
            '{{ check[0] | replace("'", "''") | replace('\n', ' ') }}' as rule,
            ({{ check[1] }}) as failing_rows
        union all
    {% endfor -%}
    select
        'none' as rule,
        0 as failing_rows

)

select *
from failures
where failing_rows > 0

{% endtest %}
