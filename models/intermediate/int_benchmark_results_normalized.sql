{#- One status vocabulary, statistics recomputed from the per-iteration latencies wherever they
    were kept (a percentile only from enough samples), simulation flags derived from manual
    marks, and the keys the marts join on.

    Incremental (macros/incremental.sql): a build reads the rows loaded since this model last
    ran (new landed files; legacy rows, which are parsed again each build), plus the rows a
    newly landed mark changes: the marked results, and the marked hardware's results measured
    since the mark. -#}
{{ config(
    materialized=incremental_or_table(),
    unique_key='result_id',
    incremental_strategy='delete+insert',
) }}

{%- set watermark = incremental_watermark() -%}
{#- how many per-iteration latencies a row kept (NULL when none were kept) -#}
{%- set sample_count = list_length('latencies_ms') -%}
{%- set new_marks = {'results': false, 'hardware': false} -%}
{%- if watermark is not none -%}
    {%- set found = run_query(
        "select (select count(*) from " ~ ref('stg_landing__result_marks')
        ~ " where loaded_at > " ~ watermark ~ "), (select count(*) from "
        ~ ref('stg_landing__hardware_events') ~ " where event_source = 'manual_mark'"
        ~ " and rejection_rule is null and loaded_at > " ~ watermark ~ ")"
    ) -%}
    {%- do new_marks.update({
        'results': found.columns[0].values()[0] > 0,
        'hardware': found.columns[1].values()[0] > 0,
    }) -%}
{%- endif %}

with

results as (

    -- constant conditions fold away: without new marks, only the watermark filters the scan
    select * from {{ ref('int_benchmark_results_unioned') }} as unioned
    where
        {{ newer_than_watermark('unioned.loaded_at', watermark) }}
        or (
            {{ new_marks.results }}
            and unioned.result_id in (  -- noqa: RF03
                select marks.result_id from {{ ref('stg_landing__result_marks') }} as marks
                where {{ newer_than_watermark('marks.loaded_at', watermark) }}
            )
        )
        or (
            {{ new_marks.hardware }}
            and exists (
                select 1 from {{ ref('stg_landing__hardware_events') }} as events
                where
                    events.event_source = 'manual_mark'
                    and events.rejection_rule is null
                    and {{ newer_than_watermark('events.loaded_at', watermark) }}
                    and events.hardware_type = unioned.requested_hardware_type
                    and events.detected_at <= unioned.measured_at
            )
        )

),

hardware_marks as (

    select
        hardware_type,
        detected_at as marked_at,
        is_available as is_marked_available,
        reason as mark_reason
    from {{ ref('stg_landing__hardware_events') }}
    -- a mark a rule refused (rejected_rows lists it) marks nothing
    where event_source = 'manual_mark' and rejection_rule is null

),

result_marks as (

    -- the newest mark of each single result; a mark a rule refused, or a second copy of one
    -- (rejected_rows lists them), marks nothing
    select
        result_id,
        {{ value_at_max('is_simulated', 'marked_at') }} as is_result_marked_simulated,
        {{ value_at_max('reason', 'marked_at') }} as result_mark_reason,
        max(marked_at) as result_marked_at
    from (
        select * from {{ ref('stg_landing__result_marks') }}
        where rejection_rule is null
        qualify {{ is_first_landed_copy('mark_id') }}
    ) as kept_marks
    group by result_id

),

marked as (

    -- the newest mark of the row's hardware type at or before the measurement
    select
        results.*,
        hardware_marks.marked_at,
        hardware_marks.is_marked_available,
        hardware_marks.mark_reason,
        result_marks.is_result_marked_simulated,
        result_marks.result_mark_reason,
        result_marks.result_marked_at
    from results
    {{ asof_left_join(
        'hardware_marks',
        'results.requested_hardware_type', 'hardware_type',
        'results.measured_at', 'marked_at',
    ) }}
    left join result_marks
        on results.result_id = result_marks.result_id

),

flagged as (

    select
        {{ star_except() }} (
            is_simulated,
            simulation_reason,
            marked_at,
            is_marked_available,
            mark_reason,
            is_result_marked_simulated,
            result_mark_reason,
            result_marked_at
        ),
        coalesce(is_simulated, false)
        or coalesce(not is_marked_available, false)
        or coalesce(is_result_marked_simulated, false) as is_simulated,
        case
            when coalesce(is_simulated, false) then simulation_reason
            when is_result_marked_simulated
                then
                    'result marked simulated at '
                    || {{ utc_timestamp_text('result_marked_at') }} || ': '
                    || coalesce(result_mark_reason, 'no reason given')
            when not is_marked_available
                then
                    'hardware ' || requested_hardware_type || ' marked simulated at '
                    || {{ utc_timestamp_text('marked_at') }} || ': '
                    || coalesce(mark_reason, 'no reason given')
        end as simulation_reason
    from marked

),

normalized as (

    select
        *,
        case
            when status in ('completed', 'complete', 'success', 'succeeded', 'ok', 'pass', 'passed')
                then 'completed'
            when status in ('failed', 'failure', 'fail', 'error') then 'failed'
            when status in ('timeout', 'timed_out', 'time_limit') then 'timeout'
            when status in ('oom', 'out_of_memory') then 'oom'
            when status in ('unsupported', 'not_supported', 'incompatible') then 'unsupported'
            when status in ('unavailable', 'hardware_unavailable') then 'unavailable'
            else 'unknown'
        end as normalized_status,
        coalesce({{ sample_count }}, 0) > 0 as has_latency_samples,
        -- p50, p90, p95 and p99 from one sort of the samples (linear interpolation)
        {{ list_quantile_cont('latencies_ms', ['0.50', '0.90', '0.95', '0.99']) }} as quantiles
    from flagged

),

recomputed as (

    select
        {{ star_except() }} (
            status,
            percentiles_note,
            latency_mean_ms,
            latency_p50_ms,
            latency_p90_ms,
            latency_p95_ms,
            latency_p99_ms,
            latency_min_ms,
            latency_max_ms,
            latency_stdev_ms,
            quantiles
        ),
        normalized_status as final_status,
        case
            when has_latency_samples then {{ list_mean('latencies_ms') }} else latency_mean_ms
        end
            as latency_mean_ms,
        -- the runner's sample sufficiency (runners/timing.py), for runner and legacy rows
        -- alike: a percentile is computed only with at least 10 samples beyond it (p50 20,
        -- p90 100, p95 200, p99 1000), else NULL and percentiles_note says why
        case
            when not has_latency_samples then latency_p50_ms
            when {{ sample_count }} >= 20
                then {{ list_at('quantiles', 1) }}
        end as latency_p50_ms,
        case
            when not has_latency_samples then latency_p90_ms
            when {{ sample_count }} >= 100
                then {{ list_at('quantiles', 2) }}
        end as latency_p90_ms,
        case
            when not has_latency_samples then latency_p95_ms
            when {{ sample_count }} >= 200
                then {{ list_at('quantiles', 3) }}
        end as latency_p95_ms,
        case
            when not has_latency_samples then latency_p99_ms
            when {{ sample_count }} >= 1000
                then {{ list_at('quantiles', 4) }}
        end as latency_p99_ms,
        -- the runner's note, or the same words for samples kept elsewhere (legacy files)
        coalesce(
            percentiles_note,
            case
                when has_latency_samples and {{ sample_count }} < 1000
                    then
                        concat_ws(
                            ', ',
                            case when {{ sample_count }} < 20 then 'p50' end,
                            case when {{ sample_count }} < 100 then 'p90' end,
                            case when {{ sample_count }} < 200 then 'p95' end,
                            'p99'
                        )
                        || ' not stored: ' || {{ sample_count }} || ' samples; a percentile is'
                        || ' stored only with at least 10 samples beyond it ('
                        || concat_ws(
                            ', ',
                            case when {{ sample_count }} < 20 then 'p50 needs 20' end,
                            case when {{ sample_count }} < 100 then 'p90 needs 100' end,
                            case when {{ sample_count }} < 200 then 'p95 needs 200' end,
                            'p99 needs 1000'
                        ) || ')'
            end
        ) as percentiles_note,
        case
            when has_latency_samples then {{ list_minimum('latencies_ms') }} else latency_min_ms
        end
            as latency_min_ms,
        case
            when has_latency_samples then {{ list_maximum('latencies_ms') }} else latency_max_ms
        end
            as latency_max_ms,
        case
            when has_latency_samples then {{ list_stddev('latencies_ms') }}
            else latency_stdev_ms
        end as latency_stdev_ms
    from normalized

),

generation_recomputed as (

    -- generation rows (benchmark_kind 'generate'): their TTFT, TPOT and end-to-end statistics
    -- from their own samples where kept, by the same sufficiency rule (p50 needs 20 samples,
    -- p90 100); the runner's percentiles_note says which series lacked samples. NULL samples
    -- (forward rows, estimates) keep the values as landed.
    -- noqa: disable=LT02
    {%- set replaced = [] %}
    {%- for series in ['ttft', 'tpot', 'e2e_latency'] %}
        {%- do replaced.extend([series ~ '_mean_ms', series ~ '_p50_ms', series ~ '_p90_ms']) %}
    {%- endfor %}
    select
        {{ star_replace(replaced) }}
            {%- for series, samples in [
                ('ttft', 'ttft_ms'), ('tpot', 'tpot_ms'), ('e2e_latency', 'e2e_latencies_ms'),
            ] %}
            case
                when coalesce({{ list_length(samples) }}, 0) = 0 then {{ series }}_mean_ms
                else {{ list_mean(samples) }}
            end as {{ series }}_mean_ms,
            case
                when coalesce({{ list_length(samples) }}, 0) = 0 then {{ series }}_p50_ms
                when {{ list_length(samples) }} >= 20
                    then {{ list_quantile_cont(samples, '0.50') }}
            end as {{ series }}_p50_ms,
            case
                when coalesce({{ list_length(samples) }}, 0) = 0 then {{ series }}_p90_ms
                when {{ list_length(samples) }} >= 100
                    then {{ list_quantile_cont(samples, '0.90') }}
            end as {{ series }}_p90_ms{{ ',' if not loop.last }}
            {%- endfor %}
        {{ end_star_replace() }}
    from recomputed
    -- noqa: enable=LT02

),

keyed as (

    select
        {{ star_except() }} (normalized_status, final_status, loaded_at),
        final_status as status,
        {{ stable_id(['model_name']) }} as model_id,
        {{ stable_id(['requested_hardware_type', 'device_name']) }} as hardware_id,
        current_timestamp as loaded_at
    from generation_recomputed

)

select * from keyed
