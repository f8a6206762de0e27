{#- The planning rule, written once: for every wanted configuration, is it missing, outdated or
    neither, and why. missing_benchmarks, outdated_benchmarks, priority_benchmarks and
    `benchdb plan` all read this view.

    It is a view, so "how old" is decided when it is read. Three DuckDB session variables let a
    caller choose what is wanted and how old is too old without restating the rule (`benchdb plan`
    sets them on its own read-only connection; a plain query leaves them unset):
      plan_wanted                   list of {model_name, hardware_type, batch_size, precision,
                                    sequence_length, priority, benchmark_kind, input_length,
                                    output_length, backend}: the wanted set instead of the seed
      plan_older_than_days          instead of var('older_than_days')
      plan_outdated_on_version_change  instead of var('outdated_on_version_change')

    A configuration's key includes its benchmark kind, input and output length and backend: a
    wanted generation is done only by a generation of the same lengths and backend. -#}
{%- set wanted_type -%}
    struct(
        model_name varchar,
        hardware_type varchar,
        batch_size integer,
        precision varchar,
        sequence_length integer,
        priority integer,
        benchmark_kind varchar,
        input_length integer,
        output_length integer,
        backend varchar
    )[]
{%- endset %}
with

seed as (

    select * from {{ ref('stg_catalog__wanted_benchmarks') }}

),

config_status as (

    select * from {{ ref('benchmark_config_status') }}

),

settings as (

    select
        cast(getvariable('plan_wanted') as {{ wanted_type }}) as wanted_list,
        cast(
            coalesce(getvariable('plan_older_than_days'), {{ var('older_than_days') }}) as integer
        ) as older_than_days,
        cast(
            coalesce(
                getvariable('plan_outdated_on_version_change'),
                {{ 'true' if var('outdated_on_version_change') else 'false' }}
            ) as boolean
        ) as outdated_on_version_change

),

chosen as (

    -- the caller's wanted set, when it gave one
    select unnest(settings.wanted_list, recursive := true)
    from settings
    where settings.wanted_list is not null

),

wanted_raw as (

    select
        chosen.model_name,
        chosen.hardware_type,
        chosen.batch_size,
        chosen.precision,
        chosen.sequence_length,
        chosen.priority,
        coalesce(chosen.benchmark_kind, 'forward') as benchmark_kind,
        chosen.input_length,
        chosen.output_length,
        coalesce(chosen.backend, 'eager') as backend
    from chosen

    union all

    -- else the seed's
    select
        seed.model_name,
        seed.hardware_type,
        seed.batch_size,
        seed.precision,
        seed.sequence_length,
        seed.priority,
        seed.benchmark_kind,
        seed.input_length,
        seed.output_length,
        seed.backend
    from seed
    cross join settings
    where settings.wanted_list is null

),

wanted as (

    -- a configuration the seed does not list gets the seed's priority when it has one, else 3
    select
        wanted_raw.model_name,
        wanted_raw.hardware_type,
        wanted_raw.batch_size,
        wanted_raw.precision,
        wanted_raw.sequence_length,
        coalesce(wanted_raw.sequence_length, -1) as sequence_length_key,
        wanted_raw.benchmark_kind,
        wanted_raw.input_length,
        wanted_raw.output_length,
        wanted_raw.backend,
        coalesce(wanted_raw.input_length, -1) as input_length_key,
        coalesce(wanted_raw.output_length, -1) as output_length_key,
        coalesce(wanted_raw.priority, seed.priority, 3) as priority
    from wanted_raw
    left join seed
        on
            wanted_raw.model_name = seed.model_name
            and wanted_raw.hardware_type = seed.hardware_type
            and wanted_raw.batch_size = seed.batch_size
            and wanted_raw.precision = seed.precision
            and coalesce(wanted_raw.sequence_length, -1) = seed.sequence_length_key
            and wanted_raw.benchmark_kind is not distinct from seed.benchmark_kind
            and coalesce(wanted_raw.input_length, -1) = seed.input_length_key
            and coalesce(wanted_raw.output_length, -1) = seed.output_length_key
            and wanted_raw.backend is not distinct from seed.backend

),

joined as (

    select
        wanted.*,
        config_status.attempts,
        config_status.incomplete_count,
        config_status.last_status,
        config_status.last_error,
        config_status.last_attempt_at,
        config_status.newest_result_at,
        config_status.newest_result_torch_minor,
        config_status.newest_result_transformers_minor,
        coalesce(config_status.is_done, false) as is_done,
        coalesce(config_status.is_known_unsupported, false) as is_known_unsupported,
        coalesce(config_status.has_newer_software, false) as has_newer_software,
        settings.older_than_days,
        settings.outdated_on_version_change,
        config_status.newest_result_at
        < current_timestamp - to_days(settings.older_than_days) as is_stale
    from wanted
    cross join settings
    left join config_status
        on
            wanted.model_name = config_status.model_name
            and wanted.hardware_type = config_status.hardware_type
            and wanted.precision = config_status.precision
            and wanted.batch_size = config_status.batch_size
            and wanted.sequence_length_key = config_status.sequence_length_key
            and wanted.benchmark_kind is not distinct from config_status.benchmark_kind
            and wanted.input_length_key is not distinct from config_status.input_length_key
            and wanted.output_length_key is not distinct from config_status.output_length_key
            and wanted.backend is not distinct from config_status.backend

),

planned as (

    select
        *,
        case
            -- no completed real result; unsupported with today's software is known, not missing
            when not is_done and not is_known_unsupported then 'missing'
            when is_done and (is_stale or (outdated_on_version_change and has_newer_software))
                then 'outdated'
        end as plan_kind
    from joined

),

final as (

    select
        -- ids
        case
            when benchmark_kind = 'generate'
                then {{ stable_id([
                    'model_name', 'hardware_type', 'precision', 'batch_size',
                    'sequence_length_key', 'benchmark_kind', 'input_length_key',
                    'output_length_key', 'backend',
                ]) }}
            else {{ stable_id([
                'model_name', 'hardware_type', 'precision', 'batch_size', 'sequence_length_key',
            ]) }}
        end as plan_id,

        -- configuration
        model_name,
        hardware_type,
        batch_size,
        precision,
        sequence_length,
        benchmark_kind,
        input_length,
        output_length,
        backend,
        priority,

        -- the rule's answer
        plan_kind,
        case
            when plan_kind = 'missing' and attempts is null then 'never run'
            when plan_kind = 'missing' and incomplete_count > 0
                then
                    'completed only by results that lack their time or input size (stored '
                    || 'through the API without them): not counted as measured'
            when plan_kind = 'missing' and last_status = 'unavailable'
                then 'hardware was unavailable'
            when plan_kind = 'missing' and last_status = 'unsupported'
                then 'unsupported with older software'
            when plan_kind = 'missing' then 'last attempt ' || last_status
            when is_stale then 'newest result older than ' || older_than_days || ' days'
            else
                'measured with torch ' || newest_result_torch_minor
                || ' / transformers ' || newest_result_transformers_minor
        end as reason,

        -- what happened so far
        last_status,
        last_error,
        coalesce(attempts, 0) as attempts,
        last_attempt_at,
        newest_result_at,

        -- the setting the rule was read with
        older_than_days
    from planned
    where plan_kind is not null

)

select * from final
