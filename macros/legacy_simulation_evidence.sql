{#-
    The explicit simulation evidence in one or more JSON objects, as one text naming each piece
    that fired (NULL when none did): `is_simulation`, `is_simulated` or `simulated` true (also
    under `platform_support`), and MOCK or SIMULATED inside implementation type, implementation
    or status strings. Placeholder patterns across rows are found in the intermediate layer.
-#}
{% macro legacy_simulation_evidence(objects) -%}
    nullif(concat_ws(
        '; '
        {%- for o in objects %},
        case when try_cast({{ o }} ->> 'is_simulation' as boolean) then 'is_simulation: true' end,
        case when try_cast({{ o }} ->> 'is_simulated' as boolean) then 'is_simulated: true' end,
        case when try_cast({{ o }} ->> 'simulated' as boolean) then 'simulated: true' end,
        case
            when try_cast({{ o }} -> 'platform_support' ->> 'simulated' as boolean)
                then 'platform_support.simulated: true'
        end,
        case
            when regexp_matches(
                upper(coalesce({{ o }} ->> 'implementation_type', '')), 'MOCK|SIMULAT'
            )
                then 'implementation_type ' || ({{ o }} ->> 'implementation_type')
        end,
        case
            when regexp_matches(upper(coalesce({{ o }} ->> 'implementation', '')), 'MOCK|SIMULAT')
                then 'implementation ' || ({{ o }} ->> 'implementation')
        end,
        case
            when regexp_matches(upper(coalesce({{ o }} ->> 'status', '')), 'MOCK|SIMULAT')
                then 'status ' || ({{ o }} ->> 'status')
        end
        {%- endfor %}
    ), '')
{%- endmacro %}
