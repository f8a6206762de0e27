{#- A legacy platform name as a warehouse hardware type, checked against the hardware
    vocabulary: cpu, cuda, rocm, mps, openvino, qnn, webgpu, webnn (apple -> mps, qualcomm ->
    qnn, any case). Anything else (a model name used as a hardware key) is NULL: never a
    hardware type. benchdb/legacy_shapes.py's hardware_type says the same. -#}
{% macro legacy_hardware_type(text) -%}
    (
        case lower(trim({{ text }}))
            when 'apple' then 'mps'
            when 'qualcomm' then 'qnn'
            when 'cpu' then 'cpu'
            when 'cuda' then 'cuda'
            when 'rocm' then 'rocm'
            when 'mps' then 'mps'
            when 'openvino' then 'openvino'
            when 'qnn' then 'qnn'
            when 'webgpu' then 'webgpu'
            when 'webnn' then 'webnn'
        end
    )
{%- endmacro %}

{#- Why a hardware key is not a hardware type (NULL when it is one, or is NULL). -#}
{% macro legacy_hardware_key_note(text) -%}
    (
        case
            when nullif(trim({{ text }}), '') is not null
                and {{ legacy_hardware_type(text) }} is null
                then 'hardware key "' || {{ text }} || '" is not a hardware type ('
                    || case
                        when {{ text }} like '%/%' or {{ legacy_model_name(text) }} != {{ text }}
                            then 'it names a model'
                        else 'not in the vocabulary cpu, cuda, rocm, mps, openvino, qnn, webgpu, webnn'
                    end
                    || '): the hardware is unknown'
        end
    )
{%- endmacro %}

{#- A model name as its canonical name: an alias listed in seeds/model_aliases.csv (with the
    evidence for it) becomes the name it stands for; any other name stays as given. The
    runner resolves names through the same seed (runners/catalog.py). -#}
{% macro legacy_model_name(name) -%}
    coalesce(
        (
            -- renamed inside, so `name` always means the outer query's column
            select seed_aliases.canonical_model_name
            from (
                select
                    alias as seed_alias,
                    model_name as canonical_model_name
                from {{ ref('model_aliases') }}
            ) as seed_aliases
            where seed_aliases.seed_alias = {{ name }}
        ),
        {{ name }}
    )
{%- endmacro %}

{#- The hardware type of a legacy result row: the vocabulary's, or 'unknown' when the file
    names something else (the row says what it named: legacy_hardware_key_note). -#}
{% macro legacy_result_hardware_type(text) -%}
    coalesce(
        {{ legacy_hardware_type(text) }},
        case when nullif(trim({{ text }}), '') is not null then 'unknown' end
    )
{%- endmacro %}
