{#- Every number the old system wrote under a metric-like key (time, latency, throughput, rate
    per second, memory), from every registered legacy file, recognised or not: the file, the
    JSON path, the key, the value as reported and as a measurement (NULL for 0 and negatives),
    and the unit the key states. One query finds them all:
    select * from legacy_metric_values where metric_key like '%latency%'. -#}
with

metric_values as (

    select * from {{ ref('int_legacy_metric_values_parsed') }}

),

final as (

    select
        metric_value_id,
        run_id,
        source_path,
        source_shape,
        is_from_unrecognised_shape,
        json_path,
        metric_key,
        value,  -- noqa: RF04
        unit,
        reported_value,
        value_note,
        is_written_as_text,
        file_id as file_sha256
    from metric_values

)

select * from final
