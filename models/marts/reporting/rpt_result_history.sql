{#- History over time per configuration: every completed result in the order it was measured.
    Measurements and estimates are two series of one configuration, never one: an estimate is
    labelled (result_kind 'estimate', 'estimate' in configuration_label, so a chart draws it
    apart), its change columns are NULL, and a measurement's change is against the previous
    measurement only, so an estimate after measurements is never a "latency change". is_latest
    marks the measurement that stands for the configuration in rpt_latest_results (its rule, not
    a second one); an estimate is never the latest point of a history.

    Incremental (macros/incremental.sql), at the cost of what is new: a result written since
    this model last ran that is dated after every point of its configuration here is appended
    to its series, numbered and compared on from the series' last point (its `seed`); the
    configurations where that does not hold (a result dated before or with a point already
    here, an undated one, or a result written again, e.g. a mark moved it between the measured
    and the estimated series) are sequenced again from their first point. The post-hook then
    sets the two columns a new point changes on the rows already here: the series' count and
    which point is the latest. -#}
{%- set series_columns = [
    'model_name', 'hardware_type', 'precision', 'batch_size', 'sequence_length', 'image_size',
    'audio_seconds', 'benchmark_kind', 'input_length', 'output_length', 'backend',
    'is_simulated',
] -%}
{#- the post-hook, rendered when it runs (a ref() names its model only then) -#}
{%- set recount -%}
    {% raw -%}
    update {{ this }} as history
    set
        results_in_configuration = recounted.results_in_configuration,
        is_latest = recounted.is_latest
    from (
        select
            touched.result_id,
            cast(count(*) over (partition by SERIES_COLUMNS) as integer)
                as results_in_configuration,
            standing.result_id is not null and not touched.is_simulated as is_latest
        from {{ this }} as touched
        left join {{ ref('rpt_latest_results') }} as standing
            on touched.result_id = standing.result_id
        where touched.configuration_id in (
            select written.configuration_id from {{ this }} as written
            where written.loaded_at = (select max(newest.loaded_at) from {{ this }} as newest)
        )
    ) as recounted
    where
        history.result_id = recounted.result_id
        and (
            history.results_in_configuration != recounted.results_in_configuration
            or history.is_latest != recounted.is_latest
        )
    {%- endraw %}
{%- endset -%}
{{ config(
    materialized='incremental',
    unique_key='result_id',
    incremental_strategy='delete+insert',
    post_hook="{% if is_incremental() %}"
        ~ recount.replace('SERIES_COLUMNS', 'touched.' ~ series_columns | join(', touched.'))
        ~ "{% endif %}",
) }}
{%- set watermark = incremental_watermark() %}
{#- the configurations sequenced again from their first point (none on a full build): those
    with a changed result dated before or with their last point here, or undated, and those of
    a result written again (where it is now, and where it was) -#}
{%- set resequenced_sql -%}
    select changed.configuration_id from changed
    inner join last_points on changed.configuration_id = last_points.configuration_id
    where not coalesce(changed.measured_at > last_points.last_measured_at, false)
    union
    select changed.configuration_id from changed
    where changed.result_id in (select here.result_id from {{ this }} as here)
    union
    select here.configuration_id from {{ this }} as here
    where here.result_id in (select changed.result_id from changed)
{%- endset -%}
{%- set resequenced = {'any': false} -%}
{%- if watermark is not none -%}
    {%- set resequenced_query -%}
        with changed as (
            select result_id, configuration_id, measured_at from {{ ref('performance_results') }}
            where
                loaded_at > {{ watermark }}
                and status = 'completed'
                and configuration_id is not null
        ),
        last_points as (
            select configuration_id, max(measured_at) as last_measured_at
            from {{ this }}
            where configuration_id in (select changed.configuration_id from changed)
            group by configuration_id
        )
        select count(*) from ({{ resequenced_sql }})
    {%- endset -%}
    {%- do resequenced.update({'any': run_query(resequenced_query).columns[0].values()[0] > 0}) -%}
{%- endif %}

with

latest as (

    select * from {{ ref('rpt_latest_results') }}

),

-- a full build's input, or an incremental one's (noqa: sqlfluff lints the first)
-- noqa: disable=LT02
{%- if watermark is none %}

to_sequence as (

    -- a full build: every series from its first point. A configuration is keyed on its batch
    -- size: legacy web results without one stay out.
    select
        *,
        false as is_seed,
        cast(null as integer) as seed_number
    from {{ ref('performance_results') }}
    where status = 'completed' and configuration_id is not null

),
{%- else %}

changed as (

    -- the results written since this model last ran (each branch reads performance_results
    -- itself, so that its filter reaches the scan)
    select * from {{ ref('performance_results') }}
    where
        loaded_at > {{ watermark }}
        and status = 'completed'
        and configuration_id is not null

),

written as (

    -- the rows already here of the configurations with a changed result
    select * from {{ this }}
    where configuration_id in (select changed.configuration_id from changed)

),

last_points as (

    select
        configuration_id,
        max(measured_at) as last_measured_at
    from written
    group by configuration_id

),

resequenced as (

    -- configurations a changed result cannot simply be appended to
    {%- if resequenced.any %}
    {{ resequenced_sql }}
    {%- else %}
    select cast(null as varchar) as configuration_id
    where false
    {%- endif %}

),

seeds as (

    -- each appended series' last point here: numbering and comparison go on from it
    select
        {{ series_columns | join(', ') }},
        result_id,
        measured_at,
        throughput_items_per_second,
        latency_p50_ms,
        true as is_seed,
        result_number as seed_number
    from written
    where configuration_id not in (select resequenced.configuration_id from resequenced)
    qualify row_number() over (
        partition by {{ series_columns | join(', ') }} order by result_number desc
    ) = 1

),

to_sequence as (

    select
        *,
        false as is_seed,
        cast(null as integer) as seed_number
    from changed
    where configuration_id not in (select resequenced.configuration_id from resequenced)
    {%- if resequenced.any %}

    union all by name

    select
        *,
        false as is_seed,
        cast(null as integer) as seed_number
    from {{ ref('performance_results') }}
    where
        status = 'completed'
        and configuration_id in (select resequenced.configuration_id from resequenced)
    {%- endif %}

    union all by name

    select * from seeds

),
{%- endif %}
-- noqa: enable=LT02

sequenced as (

    select
        *,
        case when is_simulated then 'estimate' else 'measured' end as result_kind,
        -- a seed is the series' first row here and keeps its number; the rows after it go on
        row_number() over kind_in_time
        + coalesce(max(seed_number) over configuration_kind - 1, 0) as result_number,
        count(*) over configuration_kind
        + coalesce(max(seed_number) over configuration_kind - 1, 0) as results_in_configuration,
        lag(throughput_items_per_second) over kind_in_time
            as previous_throughput_items_per_second,
        lag(latency_p50_ms) over kind_in_time as previous_latency_p50_ms
    from to_sequence
    window
        configuration_kind as (partition by {{ series_columns | join(', ') }}),
        kind_in_time as (
            configuration_kind
            order by is_seed desc, measured_at asc nulls first, result_id asc
        )

),

final as (

    select
        -- ids
        sequenced.result_id,
        sequenced.configuration_id,
        sequenced.run_id,

        -- strings
        sequenced.model_name,
        sequenced.hardware_type,
        sequenced.device_name,
        sequenced.precision,
        latest.input_label,
        'batch ' || sequenced.batch_size || ', '
        || coalesce(sequenced.precision, 'precision unknown') || ', ' || latest.input_label
        || case when sequenced.is_simulated then ', estimate' else '' end
            as configuration_label,
        sequenced.result_kind,
        sequenced.simulation_reason,
        sequenced.torch_version,
        sequenced.host,
        sequenced.quality,

        -- numerics
        sequenced.batch_size,
        sequenced.sequence_length,
        sequenced.image_size,
        sequenced.audio_seconds,
        sequenced.benchmark_kind,
        sequenced.input_length,
        sequenced.output_length,
        sequenced.backend,
        cast(sequenced.result_number as integer) as result_number,
        cast(sequenced.results_in_configuration as integer) as results_in_configuration,
        sequenced.latency_p50_ms,
        sequenced.latency_p90_ms,
        sequenced.latency_p95_ms,
        sequenced.latency_p99_ms,
        sequenced.throughput_items_per_second,
        sequenced.memory_peak_mb,
        sequenced.ttft_p50_ms,
        sequenced.tpot_p50_ms,
        sequenced.decode_tokens_per_second,
        case
            when not sequenced.is_simulated then sequenced.previous_throughput_items_per_second
        end as previous_throughput_items_per_second,
        case
            when not sequenced.is_simulated
                then
                    100.0 * (
                        sequenced.throughput_items_per_second
                        / sequenced.previous_throughput_items_per_second
                        - 1
                    )
        end as throughput_change_pct,
        case
            when not sequenced.is_simulated
                then 100.0 * (sequenced.latency_p50_ms / sequenced.previous_latency_p50_ms - 1)
        end as latency_p50_change_pct,

        -- booleans
        standing.result_id is not null and not sequenced.is_simulated as is_latest,
        sequenced.is_simulated,

        -- timestamps
        sequenced.measured_at,
        current_timestamp as loaded_at
    from sequenced
    left join latest on sequenced.configuration_id = latest.configuration_id
    left join latest as standing on sequenced.result_id = standing.result_id
    -- a seed is already here
    where not sequenced.is_seed

)

select * from final
