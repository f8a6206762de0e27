{#- Simulation evidence for legacy rows: the explicit flags and markers the shape parsers
    found, plus two placeholder patterns no real measurement shows:
    - throughput exactly proportional to batch size across two or more batch sizes of one model
      on one hardware type in one file;
    - identical metrics (latency, throughput, memory, all equal) for one model and configuration
      on two or more hardware types.
    The rows stay; is_simulated and simulation_reason say what fired. Rows that break a row
    rule (rejection_rule) are left out here: rejected_rows lists them. -#}
with

results as (

    select * exclude (rejection_rule, rejected_column, rejected_value, value_rejections)
    from {{ ref('int_legacy_benchmark_results_unioned') }}
    where rejection_rule is null

),

per_item as (

    select
        *,
        -- per batch item; identical for every batch size when throughput is a multiple of it
        case
            when status = 'completed' and batch_size > 0 and throughput_items_per_second > 0
                then throughput_items_per_second / batch_size
        end as throughput_per_batch_item
    from results

),

proportional as (

    select
        file_id,
        model_name,
        requested_hardware_type,
        sequence_length,
        image_size,
        audio_seconds,
        'throughput exactly proportional to batch size ('
        || round(min(throughput_per_batch_item), 6) || ' items/s per batch item at batch sizes '
        || string_agg(
            distinct cast(batch_size as varchar), ', ' order by cast(batch_size as varchar)
        )
        || ')' as reason
    from per_item
    where throughput_per_batch_item is not null
    group by all
    having
        count(distinct batch_size) >= 2
        and max(throughput_per_batch_item) - min(throughput_per_batch_item)
        <= 1e-9 * max(throughput_per_batch_item)

),

identical as (

    select
        model_name,
        batch_size,
        sequence_length,
        image_size,
        audio_seconds,
        latency_mean_ms,
        throughput_items_per_second,
        memory_peak_mb,
        'identical metrics on ' || count(distinct requested_hardware_type)
        || ' hardware types (' || string_agg(
            distinct requested_hardware_type, ', ' order by requested_hardware_type
        ) || ')' as reason
    from results
    where
        status = 'completed'
        and (latency_mean_ms is not null or throughput_items_per_second is not null)
    group by all
    having count(distinct requested_hardware_type) >= 2

),

flagged as (

    select
        results.*,
        nullif(concat_ws(
            '; ', results.simulation_evidence, proportional.reason, identical.reason
        ), '') as simulation_reason
    from results
    left join proportional
        on
            results.file_id = proportional.file_id
            and results.model_name is not distinct from proportional.model_name
            and results.requested_hardware_type
            is not distinct from proportional.requested_hardware_type
            and results.sequence_length is not distinct from proportional.sequence_length
            and results.image_size is not distinct from proportional.image_size
            and results.audio_seconds is not distinct from proportional.audio_seconds
            and results.status = 'completed'
    left join identical
        on
            results.model_name is not distinct from identical.model_name
            and results.batch_size is not distinct from identical.batch_size
            and results.sequence_length is not distinct from identical.sequence_length
            and results.image_size is not distinct from identical.image_size
            and results.audio_seconds is not distinct from identical.audio_seconds
            and results.latency_mean_ms is not distinct from identical.latency_mean_ms
            and results.throughput_items_per_second
            is not distinct from identical.throughput_items_per_second
            and results.memory_peak_mb is not distinct from identical.memory_peak_mb
            and results.status = 'completed'

),

final as (

    select
        * exclude (simulation_evidence),  -- noqa: RF02, RF03
        simulation_reason is not null as is_simulated
    from flagged

)

select * from final
