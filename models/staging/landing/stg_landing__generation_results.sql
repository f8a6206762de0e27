{#- One row per generation configuration a runner tried or estimated (`benchdb run --kind
    generate`), as landed, checked against the row and value rules of forward rows
    (docs/landing_zone.md, "Bad rows and values"): `rejection_rule` names the first rule a row
    breaks (int_landing_benchmark_results_checked adds duplicates; rejected_rows lists them, the
    marts leave them out), and a metric that is NaN, infinite, absurd, zero or negative is NULL
    here with its reason in `value_rejections`. Columns shared with benchmark_results keep the
    names stg_landing__benchmark_results gives them, so the two union by name. -#}
{%- set positive_metrics = [
    'ttft_mean_ms', 'ttft_p50_ms', 'ttft_p90_ms', 'tpot_mean_ms', 'tpot_p50_ms', 'tpot_p90_ms',
    'e2e_latency_mean_ms', 'e2e_latency_p50_ms', 'e2e_latency_p90_ms',
    'decode_tokens_per_second', 'total_tokens_per_second', 'memory_peak_mb',
    'memory_peak_rss_mb',
] -%}
{#- the sample lists: one bad sample makes a list unusable, as for forward latencies -#}
{%- set sample_lists = ['ttft_ms', 'tpot_ms', 'e2e_latencies_ms'] -%}
{%- set list_rules = {} -%}
{%- for column in sample_lists -%}
    {%- do list_rules.update({column:
        "not list_bool_and(list_transform(" ~ column ~ ", lambda sample_ms: "
        ~ metric_value_rule('sample_ms') ~ " is null))"}) -%}
{%- endfor -%}
with

source as (

    select * from {{ read_landing('generation_results') }}

),

renamed as (

    select

        ----------  ids
        -- the landed row: its file and position (ids inside may repeat: a copied file)
        {{ stable_id(['source_file', 'file_row_number']) }} as landed_row_id,
        result_id,
        run_id,

        ----------  strings
        lower(benchmark_kind) as benchmark_kind,
        model_name,
        model_family,
        modality,
        weights_source,
        model_class,
        hardware_type as requested_hardware_type,
        device as actual_device,
        device_name,
        precision,
        lower(backend) as backend,
        lower(status) as status,
        error_type,
        error_message,
        memory_method,
        simulation_reason,
        simulation_method,
        input_shapes,
        host,
        os,
        python_version,
        torch_version,
        transformers_version,
        cuda_version,
        rocm_version,
        driver_version,
        cpu_model,
        percentiles_note,
        isolation,
        quality,
        quality_reason,
        float32_matmul_precision,
        benchdb_version,

        ----------  numerics
        schema_version,
        parameter_count,
        device_memory_gb,
        device_compute_units,
        batch_size,
        input_length,
        output_length,
        generated_tokens,
        warmup_iterations,
        iterations,
        min_iterations,
        min_duration_seconds,
        ttft_ms,
        tpot_ms,
        e2e_latencies_ms,
        ttft_mean_ms,
        ttft_p50_ms,
        ttft_p90_ms,
        tpot_mean_ms,
        tpot_p50_ms,
        tpot_p90_ms,
        e2e_latency_mean_ms,
        e2e_latency_p50_ms,
        e2e_latency_p90_ms,
        e2e_latency_cv,
        decode_tokens_per_second,
        total_tokens_per_second,
        memory_peak_mb,
        memory_reserved_mb,
        memory_peak_rss_mb,
        memory_baseline_rss_mb,
        memory_loaded_mb,
        memory_inference_growth_mb,
        model_build_seconds,
        compile_seconds,
        warmup_seconds,
        timed_seconds,
        total_seconds,
        load_avg_1m_before,
        load_avg_1m_after,
        process_cpu_seconds,
        other_cpu_seconds,
        num_threads,
        num_interop_threads,
        host_cpu_count,
        host_physical_cores,

        ----------  booleans
        coalesce(is_simulated, false) as is_simulated,
        cuda_matmul_allow_tf32,
        cudnn_allow_tf32,
        onednn_enabled,

        ----------  timestamps
        measured_at,
        run_date,

        ----------  lineage
        source_file,
        current_timestamp as loaded_at

    from source

),

checked as (

    select
        * replace (
            {%- for column in positive_metrics %}
            {{ metric_or_null(column) }} as {{ column }},  -- noqa: LT02
            {%- endfor %}
            {%- for column in sample_lists %}
            case when {{ list_rules[column] }} is not true then {{ column }} end as {{ column }},  -- noqa: LT02, LT05
            {%- endfor %}
            case
                when isolation in ('forked_worker', 'in_process') then isolation
            end as isolation,  -- noqa: RF04
            case when quality in ('ok', 'noisy') then quality end as quality
        ),
        -- the first row rule the row breaks: the row is left out
        case
            when nullif(trim(result_id), '') is null
                then {{ rejection("'required: result_id'", 'result_id', 'result_id') }}
            when nullif(trim(run_id), '') is null
                then {{ rejection("'required: run_id'", 'run_id', 'run_id') }}
            when nullif(trim(model_name), '') is null
                then {{ rejection("'required: model_name'", 'model_name', 'model_name') }}
            when nullif(trim(requested_hardware_type), '') is null
                then {{ rejection(
                    "'required: hardware_type'", 'hardware_type', 'requested_hardware_type'
                ) }}
            when coalesce(benchmark_kind, '') != 'generate'
                then {{ rejection(
                    "'vocabulary: benchmark_kind must be generate in generation_results'",
                    'benchmark_kind',
                    'benchmark_kind',
                ) }}
            when batch_size is null
                then {{ rejection("'required: batch_size'", 'batch_size', 'batch_size') }}
            when batch_size < 1
                then {{ rejection(
                    "'range: batch_size must be 1 or more'", 'batch_size', 'batch_size'
                ) }}
            when input_length is null or input_length < 1
                then {{ rejection(
                    "'range: input_length must be given, 1 or more'",
                    'input_length',
                    'input_length',
                ) }}
            when output_length is null or output_length < 1
                then {{ rejection(
                    "'range: output_length must be given, 1 or more'",
                    'output_length',
                    'output_length',
                ) }}
            when backend is null or backend not in ('eager', 'compile')
                then {{ rejection(
                    "'vocabulary: backend must be one of eager, compile'", 'backend', 'backend'
                ) }}
            when
                status is null
                or status not in (
                    'completed', 'failed', 'oom', 'timeout', 'unsupported', 'unavailable'
                )
                then {{ rejection(
                    "'vocabulary: status must be one of completed, failed, oom, timeout, '"
                    ~ " || 'unsupported, unavailable'",
                    'status',
                    'status',
                ) }}
            when precision not in ('fp32', 'fp16', 'bf16', 'int8', 'int4', 'mixed')
                then {{ rejection(
                    "'vocabulary: precision must be one of fp32, fp16, bf16, int8, int4, mixed'",
                    'precision',
                    'precision',
                ) }}
        end as row_rejection,
        -- the values set to NULL above, each with its reason: the row stays
        list_concat(
            {{ metric_value_rejections(positive_metrics) }},
            case
                when {{ list_rules['ttft_ms'] }}
                    then [{{ rejection(
                        "'a sample is NaN, infinite, absurd, zero or negative'",
                        'ttft_ms',
                        'left(cast(ttft_ms as varchar), 200)',
                    ) }}]
                else []
            end,
            case
                when {{ list_rules['tpot_ms'] }}
                    then [{{ rejection(
                        "'a sample is NaN, infinite, absurd, zero or negative'",
                        'tpot_ms',
                        'left(cast(tpot_ms as varchar), 200)',
                    ) }}]
                else []
            end,
            case
                when {{ list_rules['e2e_latencies_ms'] }}
                    then [{{ rejection(
                        "'a sample is NaN, infinite, absurd, zero or negative'",
                        'e2e_latencies_ms',
                        'left(cast(e2e_latencies_ms as varchar), 200)',
                    ) }}]
                else []
            end,
            case
                when isolation not in ('forked_worker', 'in_process')
                    then [{{ rejection(
                        "'vocabulary: isolation must be one of forked_worker, in_process'",
                        'isolation',
                        'isolation',
                    ) }}]
                else []
            end,
            case
                when quality not in ('ok', 'noisy')
                    then [{{ rejection(
                        "'vocabulary: quality must be one of ok, noisy'", 'quality', 'quality'
                    ) }}]
                else []
            end
        ) as value_rejections
    from renamed

),

final as (

    select
        * exclude (row_rejection),
        struct_extract(row_rejection, 'rejection_rule') as rejection_rule,
        struct_extract(row_rejection, 'column_name') as rejected_column,
        struct_extract(row_rejection, 'reported_value') as rejected_value
    from checked

)

select * from final
