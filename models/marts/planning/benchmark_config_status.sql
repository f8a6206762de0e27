{{ config(materialized='table') }}
{%- set current_torch = var('current_torch_version') %}
{%- set current_transformers = var('current_transformers_version') %}

{#- One row per configuration ever attempted for real (model x hardware x precision x batch size
    x sequence length, and for a generation its kind, input and output length and backend, so a
    generation is never done by a forward pass nor the reverse): is it done, when was it last measured and with which software, what
    happened last time. Simulated rows never make a configuration done, and neither does a
    completed row whose configuration is incomplete (an API row that did not say its precision,
    its time, or a text model's sequence length): it is counted apart. The planning views and
    `benchmark_plan` read this table. -#}
with

results as (

    select * from {{ ref('performance_results') }}
    where not is_simulated

),

versioned as (

    select
        *,
        coalesce(sequence_length, -1) as sequence_length_key,
        coalesce(input_length, -1) as input_length_key,
        coalesce(output_length, -1) as output_length_key,
        -- digits as a class, not \d: Spark's string literals read backslashes as escapes
        regexp_extract(torch_version, '^([0-9]+[.][0-9]+)') as torch_minor,
        regexp_extract(transformers_version, '^([0-9]+[.][0-9]+)') as transformers_minor,
        -- measured only when it says what was measured and when
        (
            precision is not null
            and batch_size is not null
            and measured_at is not null
            and (
                modality is distinct from 'text'
                or sequence_length is not null
                or (benchmark_kind = 'generate' and input_length is not null)
            )
        ) as is_complete_configuration
    from results

),

newest_software as (

    select
        {{ value_at_max('torch_minor', list_of([
            "cast(split_part(torch_minor, '.', 1) as integer)",
            "cast(split_part(torch_minor, '.', 2) as integer)",
        ])) }} as torch_minor,
        {{ value_at_max('transformers_minor', list_of([
            "cast(split_part(transformers_minor, '.', 1) as integer)",
            "cast(split_part(transformers_minor, '.', 2) as integer)",
        ])) }} as transformers_minor
    from versioned
    where torch_minor != '' and transformers_minor != ''

),

current_software as (

    -- the vars, when set, say which versions are current; else the newest seen
    select
        coalesce(
            {{ "'" ~ current_torch ~ "'" if current_torch else 'null' }},
            newest_software.torch_minor
        ) as torch_minor,
        coalesce(
            {{ "'" ~ current_transformers ~ "'" if current_transformers else 'null' }},
            newest_software.transformers_minor
        ) as transformers_minor
    from newest_software

),

summarized as (

    select
        model_name,
        hardware_type,
        precision,
        batch_size,
        sequence_length_key,
        benchmark_kind,
        input_length_key,
        output_length_key,
        backend,
        count(*) as attempts,
        count(*) filter (where status = 'completed' and is_complete_configuration)
            as completed_count,
        count(*) filter (where status = 'completed' and not is_complete_configuration)
            as incomplete_count,
        max(measured_at) filter (where status = 'completed' and is_complete_configuration)
            as newest_result_at,
        {{ value_at_max('torch_minor', 'measured_at') }} filter (
            where status = 'completed' and is_complete_configuration
        ) as newest_result_torch_minor,
        {{ value_at_max('transformers_minor', 'measured_at') }} filter (
            where status = 'completed' and is_complete_configuration
        ) as newest_result_transformers_minor,
        max(measured_at) as last_attempt_at,
        {{ value_at_max('status', 'measured_at') }} as last_status,
        {{ value_at_max('error_message', 'measured_at') }} as last_error,
        {{ value_at_max('torch_minor', 'measured_at') }} as last_attempt_torch_minor,
        {{ value_at_max('transformers_minor', 'measured_at') }} as last_attempt_transformers_minor
    from versioned
    group by all

),

final as (

    select
        summarized.*,
        -- a generation's id adds its kind, lengths and backend; a forward id is what it was
        case
            when summarized.benchmark_kind = 'generate'
                then {{ stable_id([
                    'summarized.model_name', 'summarized.hardware_type', 'summarized.precision',
                    'summarized.batch_size', 'summarized.sequence_length_key',
                    'summarized.benchmark_kind', 'summarized.input_length_key',
                    'summarized.output_length_key', 'summarized.backend',
                ]) }}
            else {{ stable_id([
                'summarized.model_name', 'summarized.hardware_type', 'summarized.precision',
                'summarized.batch_size', 'summarized.sequence_length_key'
            ]) }}
        end as config_id,
        summarized.completed_count > 0 as is_done,
        -- unsupported with the software we have now is known, not missing; new software retries
        (
            summarized.last_status = 'unsupported'
            and coalesce(summarized.last_attempt_torch_minor, '')
            = coalesce(current_software.torch_minor, '')
            and coalesce(summarized.last_attempt_transformers_minor, '')
            = coalesce(current_software.transformers_minor, '')
        ) as is_known_unsupported,
        (
            summarized.completed_count > 0
            and (
                coalesce(summarized.newest_result_torch_minor, '')
                != coalesce(current_software.torch_minor, '')
                or coalesce(summarized.newest_result_transformers_minor, '')
                != coalesce(current_software.transformers_minor, '')
            )
        ) as has_newer_software,
        current_software.torch_minor as current_torch_minor,
        current_software.transformers_minor as current_transformers_minor
    from summarized
    cross join current_software

)

select * from final
