{#-
    Incremental models of the results chain (docs/benchmarks.md, "Builds"): each one stamps the
    rows it writes with `loaded_at` (its own insert time) and, on an incremental run, reads only
    the upstream rows stamped after its newest row: what changed since it last ran. Landed files
    are immutable, so a full refresh is needed only when the project changes or a file is
    withdrawn, and benchdb build decides that (benchdb/generations.py).
-#}

{#- The newest `loaded_at` of this model as a timestamp literal (constant comparisons let
    DuckDB skip whole row groups of the upstream table), or none when not incremental. -#}
{% macro incremental_watermark() -%}
    {#- a unit test runs the model's SQL on fixtures: always the full query -#}
    {%- if not execute or model.resource_type == 'unit_test' or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set newest = run_query('select max(loaded_at) from ' ~ this).columns[0].values()[0] -%}
    {%- if newest is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return("timestamptz '" ~ newest ~ "'") }}
{%- endmacro %}

{#- `and <column> > watermark` on an incremental run, nothing on a full one. -#}
{% macro newer_than_watermark(column='loaded_at', watermark=none) -%}
    {%- if watermark is not none -%}
        {{ column }} > {{ watermark }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
