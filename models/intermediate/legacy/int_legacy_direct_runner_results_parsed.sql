{#- Shapes A (direct runner) and B (batch wrapper): one row per batch size tried.
    B holds each model's Shape A document under `benchmark_data`, the same numbers in `summary`
    and again in `stdout`: the summary and stdout copies are read only when no benchmark_data
    is there, and `measurement_key` lets the intermediate layer keep one copy. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape in ('A', 'B')

),

wrapper_entries as (

    select
        documents.*,
        entry.key as entry_key,
        entry.value as entry
    from documents
    cross join {{ json_entries("documents.document -> 'results'") }} as entry
    where documents.source_shape = 'B'

),

runner_documents as (

    -- shape A files, and shape A documents inside B: the same measurement when both exist
    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        documents.document as runner_document,
        cast(null as json) as entry,
        'batch_results.' as document_path,
        1 as source_priority
    from documents
    where documents.source_shape = 'A'

    union all

    select
        wrapper_entries.* exclude (document, entry_key, entry),  -- noqa: RF02, RF03
        wrapper_entries.entry -> 'benchmark_data' as runner_document,
        wrapper_entries.entry,
        'results.' || wrapper_entries.entry_key || '.benchmark_data.batch_results.'
            as document_path,
        2 as source_priority
    from wrapper_entries
    where json_type(wrapper_entries.entry -> 'benchmark_data') = 'OBJECT'

),

from_batch_results as (

    select
        runner_documents.* exclude (runner_document, entry, document_path),  -- noqa: RF02, RF03
        runner_documents.document_path || batch.key as config_key,
        coalesce(
            runner_documents.runner_document ->> 'model', runner_documents.entry ->> 'model'
        ) as model_name,
        {{ legacy_result_hardware_type(
            "coalesce(runner_documents.runner_document ->> 'hardware', "
            ~ "runner_documents.entry ->> 'hardware')"
        ) }} as requested_hardware_type,
        coalesce(
            runner_documents.runner_document ->> 'hardware',
            runner_documents.entry ->> 'hardware'
        ) as reported_hardware_key,
        batch.value ->> 'device' as actual_device,
        coalesce(
            {{ json_integer("batch.value -> 'batch_size'") }}, try_cast(batch.key as integer)
        ) as batch_size,
        case
            when try_cast(batch.value ->> 'success' as boolean) then 'completed'
            when try_cast(batch.value ->> 'success' as boolean) = false then 'failed'
            else 'unknown'
        end as status,
        batch.value ->> 'error' as error_message,
        {{ json_positive_numbers("batch.value -> 'latencies_ms'") }} as latencies_ms,
        {{ json_number("batch.value -> 'avg_latency_ms'") }} as latency_mean_ms,
        {{ json_number("batch.value -> 'throughput_items_per_second'") }}
            as throughput_items_per_second,
        coalesce(
            {{ json_number("batch.value -> 'memory_mb'") }},
            {{ json_number("batch.value -> 'memory_gb'") }} * 1024
        ) as memory_peak_mb,
        {{ legacy_simulation_evidence(['runner_documents.runner_document', 'batch.value']) }}
            as simulation_evidence,
        coalesce(
            {{ legacy_timestamp("batch.value ->> 'timestamp'") }},
            {{ legacy_timestamp("runner_documents.runner_document ->> 'timestamp'") }},
            runner_documents.document_at
        ) as measured_at,
        -- the batch's own time (or the document's when it failed before timing) names it
        concat_ws(
            '|', 'direct',
            coalesce(
                runner_documents.runner_document ->> 'model', runner_documents.entry ->> 'model'
            ),
            lower(runner_documents.runner_document ->> 'hardware'),
            coalesce(batch.value ->> 'batch_size', batch.key),
            coalesce(
                batch.value ->> 'timestamp', runner_documents.runner_document ->> 'timestamp'
            )
        ) as measurement_key,
        json_object(
            'command', runner_documents.entry ->> 'command',
            'output_file', runner_documents.entry ->> 'output_file'
        ) as source_details
    from runner_documents
    cross join {{ json_entries("runner_documents.runner_document -> 'batch_results'") }} as batch

),

summary_copies as (

    -- B entries without benchmark_data: the `summary` keyed by batch size (ms, MB)
    select
        wrapper_entries.* exclude (document, entry_key, entry),  -- noqa: RF02, RF03
        3 as source_priority,
        'results.' || wrapper_entries.entry_key || '.summary.' || batch.key as config_key,
        wrapper_entries.entry ->> 'model' as model_name,
        {{ legacy_result_hardware_type("wrapper_entries.entry ->> 'hardware'") }}
            as requested_hardware_type,
        wrapper_entries.entry ->> 'hardware' as reported_hardware_key,
        cast(null as varchar) as actual_device,
        try_cast(batch.key as integer) as batch_size,
        'completed' as status,
        cast(null as varchar) as error_message,
        cast(null as double[]) as latencies_ms,
        {{ json_number("batch.value -> 'latency_ms'") }} as latency_mean_ms,
        {{ json_number("batch.value -> 'throughput'") }} as throughput_items_per_second,
        coalesce(
            {{ json_number("batch.value -> 'memory_mb'") }},
            {{ json_number("batch.value -> 'memory_gb'") }} * 1024
        ) as memory_peak_mb,
        {{ legacy_simulation_evidence(['wrapper_entries.entry']) }} as simulation_evidence,
        coalesce(
            {{ legacy_timestamp("wrapper_entries.entry ->> 'timestamp'") }},
            wrapper_entries.document_at
        ) as measured_at,
        concat_ws(
            '|', 'direct-copy', wrapper_entries.entry ->> 'model',
            lower(wrapper_entries.entry ->> 'hardware'), batch.key,
            wrapper_entries.entry ->> 'timestamp'
        ) as measurement_key,
        json_object('command', wrapper_entries.entry ->> 'command', 'copy', 'summary')
            as source_details
    from wrapper_entries
    cross join {{ json_entries("wrapper_entries.entry -> 'summary'") }} as batch
    where json_type(wrapper_entries.entry -> 'benchmark_data') is distinct from 'OBJECT'

),

stdout_lines as (

    select
        wrapper_entries.*,
        unnest(
            regexp_extract_all(wrapper_entries.entry ->> 'stdout', 'Batch \d+: [^\n]*')
        ) as stdout_line
    from wrapper_entries
    where
        json_type(wrapper_entries.entry -> 'benchmark_data') is distinct from 'OBJECT'
        and coalesce(json_type(wrapper_entries.entry -> 'summary'), 'NULL') in ('NULL', 'OBJECT')
        and coalesce(len(json_keys(wrapper_entries.entry -> 'summary')), 0) = 0

),

stdout_copies as (

    -- B entries with neither: the numbers printed in stdout (rounded to 2 decimals)
    select
        stdout_lines.* exclude (
            stdout_lines.document,
            stdout_lines.entry_key,
            stdout_lines.entry,
            stdout_lines.stdout_line
        ),
        4 as source_priority,
        'results.' || stdout_lines.entry_key || '.stdout.'
        || regexp_extract(stdout_lines.stdout_line, 'Batch (\d+)', 1) as config_key,
        stdout_lines.entry ->> 'model' as model_name,
        {{ legacy_result_hardware_type("stdout_lines.entry ->> 'hardware'") }}
            as requested_hardware_type,
        stdout_lines.entry ->> 'hardware' as reported_hardware_key,
        cast(null as varchar) as actual_device,
        try_cast(regexp_extract(stdout_lines.stdout_line, 'Batch (\d+)', 1) as integer)
            as batch_size,
        case
            when stdout_lines.stdout_line like '%Failed%' then 'failed' else 'completed'
        end as status,
        nullif(regexp_extract(stdout_lines.stdout_line, 'Failed - (.*)$', 1), '') as error_message,
        cast(null as double[]) as latencies_ms,
        try_cast(
            nullif(regexp_extract(stdout_lines.stdout_line, 'Latency ([0-9.]+)ms', 1), '') as double
        ) as latency_mean_ms,
        try_cast(
            nullif(regexp_extract(stdout_lines.stdout_line, 'Throughput ([0-9.]+) items/s', 1), '')
            as double
        ) as throughput_items_per_second,
        try_cast(
            nullif(regexp_extract(stdout_lines.stdout_line, 'Memory ([0-9.]+)MB', 1), '') as double
        ) as memory_peak_mb,
        {{ legacy_simulation_evidence(['stdout_lines.entry']) }} as simulation_evidence,
        coalesce(
            {{ legacy_timestamp("stdout_lines.entry ->> 'timestamp'") }},
            stdout_lines.document_at
        ) as measured_at,
        concat_ws(
            '|', 'direct-copy', stdout_lines.entry ->> 'model',
            lower(stdout_lines.entry ->> 'hardware'),
            regexp_extract(stdout_lines.stdout_line, 'Batch (\d+)', 1),
            stdout_lines.entry ->> 'timestamp'
        ) as measurement_key,
        json_object('command', stdout_lines.entry ->> 'command', 'copy', 'stdout')
            as source_details
    from stdout_lines

),

failed_runs as (

    -- B entries whose whole run failed: one failed row per batch size asked for
    select
        wrapper_entries.* exclude (
            wrapper_entries.document, wrapper_entries.entry_key, wrapper_entries.entry
        ),
        1 as source_priority,
        'results.' || wrapper_entries.entry_key || '.batch_sizes.' || trim(asked.batch)
            as config_key,
        wrapper_entries.entry ->> 'model' as model_name,
        {{ legacy_result_hardware_type("wrapper_entries.entry ->> 'hardware'") }}
            as requested_hardware_type,
        wrapper_entries.entry ->> 'hardware' as reported_hardware_key,
        cast(null as varchar) as actual_device,
        try_cast(trim(asked.batch) as integer) as batch_size,
        'failed' as status,
        coalesce(
            nullif(
                regexp_extract(wrapper_entries.entry ->> 'stderr', 'ERROR - ([^\n]*)', 1), ''
            ),
            wrapper_entries.entry ->> 'error',
            'the run failed; the legacy file records no error'
        ) as error_message,
        cast(null as double[]) as latencies_ms,
        cast(null as double) as latency_mean_ms,
        cast(null as double) as throughput_items_per_second,
        cast(null as double) as memory_peak_mb,
        {{ legacy_simulation_evidence(['wrapper_entries.entry']) }} as simulation_evidence,
        coalesce(
            {{ legacy_timestamp("wrapper_entries.entry ->> 'timestamp'") }},
            wrapper_entries.document_at
        ) as measured_at,
        concat_ws(
            '|', 'direct-run', wrapper_entries.entry ->> 'model',
            lower(wrapper_entries.entry ->> 'hardware'), trim(asked.batch),
            wrapper_entries.entry ->> 'timestamp'
        ) as measurement_key,
        json_object(
            'command', wrapper_entries.entry ->> 'command',
            'run_error', wrapper_entries.entry ->> 'error'
        ) as source_details
    from wrapper_entries
    cross join
        unnest(
            string_split(coalesce(wrapper_entries.entry ->> 'batch_sizes', ''), ',')
        ) as asked (batch)
    where
        json_type(wrapper_entries.entry -> 'benchmark_data') is distinct from 'OBJECT'
        and coalesce(len(json_keys(wrapper_entries.entry -> 'summary')), 0) = 0
        and not regexp_matches(coalesce(wrapper_entries.entry ->> 'stdout', ''), 'Batch \d+: ')
        and trim(asked.batch) != ''

),

unioned as (

    select * from from_batch_results
    union all by name
    select * from summary_copies
    union all by name
    select * from stdout_copies
    union all by name
    select * from failed_runs

),

final as (

    select
        {{ stable_id(['file_id', 'config_key']) }} as legacy_row_id,
        file_id,
        run_id,
        source_path,
        source_shape,
        source_priority,
        measurement_key,
        config_key,
        model_name,
        requested_hardware_type,
        actual_device,
        batch_size,
        status,
        error_message,
        latencies_ms,
        len(latencies_ms) as iterations,
        latency_mean_ms,
        throughput_items_per_second,
        memory_peak_mb,
        simulation_evidence,
        source_details,
        measured_at
    from unioned

)

select * from final
