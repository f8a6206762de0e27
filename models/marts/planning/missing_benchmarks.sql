{#- Wanted configurations with no completed, real (not simulated) result. Failed ones show their
    last error and attempt count: they stay here, to be retried. One recorded unsupported with
    today's software is known, not missing. -#}
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
            when config_status.attempts is null then 'never run'
            when config_status.last_status = 'unavailable' then 'hardware was unavailable'
            when config_status.last_status = 'unsupported' then 'unsupported with older software'
            else 'last attempt ' || config_status.last_status
        end as reason,
        config_status.last_status,
        config_status.last_error,
        coalesce(config_status.attempts, 0) as attempts,
        config_status.last_attempt_at
    from wanted
    left join config_status
        on
            wanted.model_name = config_status.model_name
            and wanted.hardware_type = config_status.hardware_type
            and wanted.precision = config_status.precision
            and wanted.batch_size = config_status.batch_size
            and wanted.sequence_length_key = config_status.sequence_length_key
    where
        not coalesce(config_status.is_done, false)
        and not coalesce(config_status.is_known_unsupported, false)

)

select * from final
