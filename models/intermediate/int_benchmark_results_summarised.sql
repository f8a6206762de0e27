{#- Where and with what results were seen, without one row per result: one row per model and
    device environment (hardware, device, host, OS, driver and CUDA versions, device size), with
    when it was first and last measured. The `models` and `hardware_platforms` marts read
    this instead of every result.

    Incremental (macros/incremental.sql): the rows loaded since this model last ran are
    summarised, merged with the summaries they add to, and written back. Every column is a
    minimum, maximum or any value, so merging a row twice (legacy rows are read again by every
    build) changes nothing. -#}
{{ config(
    materialized=incremental_or_table(),
    unique_key='environment_id',
    incremental_strategy='delete+insert',
) }}
{%- set watermark = incremental_watermark() %}
{%- set keys = [
    'model_name', 'hardware_id', 'requested_hardware_type', 'device_name', 'host', 'os',
    'driver_version', 'cuda_version', 'device_memory_gb', 'device_compute_units',
] %}

with

changed as (

    select
        {{ stable_id(keys) }} as environment_id,
        *
    from {{ ref('int_benchmark_results_normalized') }}
    where {{ newer_than_watermark('loaded_at', watermark) }}

),

summarised as (

    select
        environment_id,
        {%- for key in keys %}
            {{ any_non_null(key) }} as {{ key }},
        {%- endfor %}
        {{ any_non_null('model_family') }} as model_family,
        {{ any_non_null('modality') }} as modality,
        max(parameter_count) as parameter_count,
        min(measured_at) as first_measured_at,
        max(measured_at) as last_measured_at
    from changed
    group by environment_id

),

merged as (

    -- a summary the new rows add to: old and new first and last times together
    select * from summarised
    {%- if watermark is not none %}
        union all by name
        select * exclude (loaded_at)
        from {{ this }}
        where environment_id in (select summarised.environment_id from summarised)
    {%- endif %}

),

final as (

    select
        environment_id,
        {%- for key in keys %}
            {{ any_non_null(key) }} as {{ key }},
        {%- endfor %}
        {{ any_non_null('model_family') }} as model_family,
        {{ any_non_null('modality') }} as modality,
        max(parameter_count) as parameter_count,
        min(first_measured_at) as first_measured_at,
        max(last_measured_at) as last_measured_at,
        current_timestamp as loaded_at
    from merged
    group by environment_id

)

select * from final
