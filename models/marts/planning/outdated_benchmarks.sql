{#- Wanted configurations whose newest real result is older than var('older_than_days'), or, when
    var('outdated_on_version_change') is true, was measured with another torch or transformers
    minor version than the current one. -#}
with

wanted as (

    select * from {{ ref('stg_catalog__wanted_benchmarks') }}

),

config_status as (

    select * from {{ ref('benchmark_config_status') }}

),

final as (

    select
        wanted.model_name,
        wanted.hardware_type,
        wanted.batch_size,
        wanted.precision,
        wanted.sequence_length,
        wanted.priority,
        case
            when
                config_status.newest_result_at
                < current_timestamp - to_days({{ var('older_than_days') }})
                then
                    'newest result older than {{ var("older_than_days") }} days'
            else
                'measured with torch ' || config_status.newest_result_torch_minor
                || ' / transformers ' || config_status.newest_result_transformers_minor
        end as reason,
        config_status.last_status,
        config_status.last_error,
        config_status.attempts,
        config_status.last_attempt_at,
        config_status.newest_result_at
    from wanted
    inner join config_status
        on
            wanted.model_name = config_status.model_name
            and wanted.hardware_type = config_status.hardware_type
            and wanted.precision = config_status.precision
            and wanted.batch_size = config_status.batch_size
            and wanted.sequence_length_key = config_status.sequence_length_key
    where
        config_status.is_done
        and (
            config_status.newest_result_at
            < current_timestamp - to_days({{ var('older_than_days') }})
            {%- if var('outdated_on_version_change') %}
                or config_status.has_newer_software
            {%- endif %}
        )

)

select * from final
