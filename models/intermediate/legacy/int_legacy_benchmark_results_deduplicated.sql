{#- One row per measurement: the same measurement found in several files (a direct runner file
    and the batch wrapper that embeds it; a suite output and the run aggregate that embeds it)
    is kept once, from the most direct source (source_priority, then path); copies_found says
    how many files held it. Copies read from a wrapper's summary or stdout are dropped when a
    full row for the same model, hardware and batch size has the same latency (stdout rounds to
    0.01 ms). The suite's warm-up setting comes from the run configuration (shape I) written in
    the same run folder. Only the columns a legacy file can fill: int_benchmark_results_unioned
    unions by name, and the runner's other columns (percentiles, software versions) are NULL. -#}
with

results as (

    select * from {{ ref('int_legacy_benchmark_results_flagged') }}

),

run_configs as (

    select * from {{ ref('int_legacy_run_configs_parsed') }}

),

documents as (

    select
        file_id,
        time_zone_basis
    from {{ ref('int_legacy_documents_registered') }}

),

ranked as (

    select
        *,
        count(*) over (partition by measurement_key) as copies_found,
        row_number() over (
            partition by measurement_key order by source_priority, source_path, legacy_row_id
        ) as copy_rank
    from results

),

kept as (

    select * from ranked
    where copy_rank = 1

),

full_rows as (

    select * from kept
    where source_priority <= 2

),

copies_of_full_rows as (

    select kept.legacy_row_id
    from kept
    inner join full_rows
        on
            kept.model_name = full_rows.model_name
            and kept.requested_hardware_type = full_rows.requested_hardware_type
            and kept.batch_size = full_rows.batch_size
            and abs(kept.latency_mean_ms - full_rows.latency_mean_ms) < 0.01
    where kept.source_priority > 2

),

distinct_measurements as (

    select kept.*
    from kept
    anti join copies_of_full_rows
        on kept.legacy_row_id = copies_of_full_rows.legacy_row_id

),

with_settings as (

    select
        distinct_measurements.*,
        run_configs.warmup_iterations
    from distinct_measurements
    left join run_configs
        on
            distinct_measurements.source_path like run_configs.run_folder || '/%'
            and list_contains(
                run_configs.families, distinct_measurements.source_details ->> 'legacy_family'
            )
    qualify row_number() over (
            partition by distinct_measurements.legacy_row_id
            order by run_configs.configured_at desc nulls last
        ) = 1

),

with_time_zone as (

    select
        with_settings.*,
        documents.time_zone_basis
    from with_settings
    left join documents
        on with_settings.file_id = documents.file_id

),

final as (

    select
        {{ stable_id(['measurement_key']) }} as result_id,
        run_id,
        'legacy' as result_source,
        source_path,
        source_shape,
        -- one name per model: an alias (seeds/model_aliases.csv) becomes its catalog name
        {{ legacy_model_name('model_name') }} as model_name,
        modality,
        requested_hardware_type,
        actual_device,
        device_name,
        device_memory_gb,
        device_compute_units,
        device_memory_allocated_mb,
        batch_size,
        sequence_length,
        image_size,
        audio_seconds,
        -- legacy files never recorded the precision; 'unknown' says so (and keeps it out of
        -- configuration matches against fp32 or fp16 plans)
        'unknown' as precision,  -- noqa: RF04
        status,
        error_type,
        case
            when status not in ('completed', 'timeout')
                then coalesce(error_message, 'not completed; the legacy file records no error')
            else error_message
        end as error_message,
        warmup_iterations,
        iterations,
        latencies_ms,
        -- the old system wrote 0 for metrics it did not measure: 0 (or a negative number) is
        -- not a measurement
        case when latency_mean_ms > 0 then latency_mean_ms end as latency_mean_ms,
        case
            when throughput_items_per_second > 0 then throughput_items_per_second
        end as throughput_items_per_second,
        case when memory_peak_mb > 0 then memory_peak_mb end as memory_peak_mb,
        model_build_seconds,
        total_seconds,
        is_simulated,
        simulation_reason,
        case when is_simulated then 'legacy evidence' end as simulation_method,
        host,
        os,
        python_version,
        cuda_version,
        cpu_model,
        measured_at,
        json_merge_patch(
            coalesce(source_details, '{}'),
            json_object(
                'config_key', config_key,
                'copies_found', copies_found,
                'file_sha256', file_id,
                'reported_latency_mean_ms', latency_mean_ms,
                'reported_throughput_items_per_second', throughput_items_per_second,
                'reported_model_name',
                case when {{ legacy_model_name('model_name') }} != model_name then model_name end,
                'hardware_key_note', {{ legacy_hardware_key_note('reported_hardware_key') }},
                'time_zone', time_zone_basis
            )
        ) as source_details
    from with_time_zone

)

select * from final
