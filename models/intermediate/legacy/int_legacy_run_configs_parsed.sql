{#- Shape I (suite run configuration): warm-up and timed iterations, batch sizes, families and
    hardware of a suite run; the only place those settings are recorded. `run_folder` is the
    benchmarks_<time>/<time> folder the suite wrote its results under. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape = 'I'

),

final as (

    select
        ----------  ids
        file_id,
        run_id,

        ----------  strings
        source_path,
        source_shape,
        nullif(
            regexp_extract(source_path, '^(.*/benchmarks_\d{8}_\d{6}/\d{8}_\d{6})/', 1), ''
        ) as run_folder,
        json_keys(document -> 'model_families') as families,
        try_cast(document -> 'hardware_types' as varchar[]) as hardware_types,
        try_cast(document -> 'batch_sizes' as integer[]) as batch_sizes,

        ----------  numerics
        {{ json_integer("document -> 'warmup_iterations'") }} as warmup_iterations,
        {{ json_integer("document -> 'benchmark_iterations'") }} as iterations,
        {{ json_number("document -> 'timeout'") }} as timeout_seconds,

        ----------  json
        document as run_settings,

        ----------  timestamps
        document_at as configured_at

    from documents

)

select * from final
