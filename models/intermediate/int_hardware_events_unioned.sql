{#- Every hardware detection: the runners' events from the landing zone and what legacy suites
    found on their hosts. A legacy detection found in two files (a suite output embedded in a
    run aggregate) is kept once. -#}
with

landing_events as (

    -- an event a rule refused is left out, and a file copied under another name is one copy
    -- (rejected_rows lists both)
    select {{ star_except() }} (landed_row_id, rejection_rule, rejected_column, rejected_value)
    from {{ ref('stg_landing__hardware_events') }}
    where rejection_rule is null
    qualify {{ is_first_landed_copy('event_id') }}

),

-- the legacy side is left out where the engine has none (reads_legacy, docs/spark.md)
-- noqa: disable=LT02
{%- if reads_legacy() %}

legacy_detections as (

    select * from {{ ref('int_legacy_hardware_detections_parsed') }}

),

{%- endif %}

from_landing as (

    select {{ star_except() }} (schema_version, run_date)  -- noqa: RF02, RF03
    from landing_events

),
{%- if reads_legacy() %}

from_legacy as (

    select
        * exclude (legacy_row_id, file_id, source_shape),  -- noqa: RF02, RF03
        legacy_row_id as event_id,
        'legacy_json' as event_source
    from legacy_detections
    qualify row_number() over (
            partition by host, hardware_type, detected_at order by source_shape, source_path
        ) = 1

),

{%- endif %}

unioned as (

    -- by name: what only legacy suites recorded (os, device memory, the file) is NULL for
    -- the runners' events
    select *{{ legacy_only_columns('hardware_events') }} from from_landing
    {%- if reads_legacy() %}
    union all by name
    select * from from_legacy
    {%- endif %}
    -- noqa: enable=LT02

)

select * from unioned
