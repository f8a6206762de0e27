{#- True when a text admits simulation: MOCK or SIMULATED/simulation (any case), unless it
    denies it ("not simulated", "non-mock", "without mock"). NULL text is false. -#}
{% macro legacy_text_marker(text) -%}
    coalesce(
        regexp_matches({{ text }}, '(?i)(mock|simulat)')
        and not regexp_matches({{ text }}, '(?i)\b(not|non|no|without)[- ](an? )?(mock|simulat)'),
        false
    )
{%- endmacro %}

{#- A text in double quotes for a reason, cut to 120 characters. -#}
{% macro legacy_quoted(text) -%}
    (
        '"' || case
            when length({{ text }}) > 120 then left({{ text }}, 117) || '...'
            else {{ text }}
        end || '"'
    )
{%- endmacro %}

{#- True when an error text is the harness crashing (a Python error in the test code), not
    the model failing on the hardware: such a run tested nothing. -#}
{% macro legacy_is_crash(text) -%}
    coalesce(
        regexp_matches(
            {{ text }},
            '(NameError|TypeError|AttributeError|ImportError|ModuleNotFoundError|IndentationError'
            || '|SyntaxError|KeyError|UnboundLocalError|cannot access local variable'
            || '|unexpected keyword argument|Traceback \(most recent call last\))'
        ),
        false
    )
{%- endmacro %}
