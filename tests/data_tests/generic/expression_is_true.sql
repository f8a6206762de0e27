{#- Fails for every row where the SQL expression is not true; narrow it with `config: where:`. -#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
