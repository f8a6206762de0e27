{#- What the legacy suites found on their host, per hardware type: shape E (and E inside F)
    `hardware_details` (with the reason a type is missing and the devices found), else
    `hardware_info`, F's `hardware_detected`, and the *_available flags of `system_info`
    (E, G). One row per document part and hardware type, the most detailed source first. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}
    where source_shape in ('E', 'F', 'G')

),

parts as (

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        '$' as part_key,
        documents.document as part
    from documents

    union all

    select
        documents.* exclude (document),  -- noqa: RF02, RF03
        'performance_benchmarks.' || family_item.key as part_key,
        family_item.value as part
    from documents
    cross join {{ json_entries("documents.document -> 'performance_benchmarks'") }} as family_item
    where documents.source_shape = 'F' and json_type(family_item.value) = 'OBJECT'

),

flags as (

    select
        parts.*,
        flag.key as flag_key,
        try_cast(flag.value as boolean) as is_available,
        1 as detail_rank
    from parts
    cross join {{ json_entries("parts.part -> 'hardware_details'") }} as flag
    where json_type(flag.value) = 'BOOLEAN'

    union all

    select
        parts.*,
        flag.key as flag_key,
        try_cast(flag.value as boolean) as is_available,
        2 as detail_rank
    from parts
    cross join
        {{ json_entries(
            "coalesce(parts.part -> 'hardware_info', parts.part -> 'hardware_detected')"
        ) }}
            as flag
    where json_type(flag.value) = 'BOOLEAN'

    union all

    select
        parts.*,
        regexp_replace(flag.key, '_available$', '') as flag_key,
        try_cast(flag.value as boolean) as is_available,
        3 as detail_rank
    from parts
    cross join {{ json_entries("parts.part -> 'system_info'") }} as flag
    where json_type(flag.value) = 'BOOLEAN' and flag.key like '%\_available' escape '\'

),

typed as (

    select
        flags.*,
        case flags.flag_key
            when 'qualcomm_ai' then 'qnn'
            when 'qualcomm' then 'qnn'
            else flags.flag_key
        end as hardware_type
    from flags

),

best as (

    select *
    from typed
    where hardware_type in ('cpu', 'cuda', 'rocm', 'mps', 'openvino', 'webnn', 'webgpu', 'qnn')
    qualify row_number() over (
            partition by file_id, part_key, hardware_type order by detail_rank
        ) = 1

),

final as (

    select
        ----------  ids
        {{ stable_id(['file_id', 'part_key', 'hardware_type']) }} as legacy_row_id,
        file_id,
        run_id,

        ----------  strings
        source_path,
        source_shape,
        hardware_type,
        case
            when is_available then 'detected by the legacy suite'
            else coalesce(
                    part -> 'hardware_details' ->> (flag_key || '_error'),
                    'not detected by the legacy suite'
                )
        end as reason,
        case
            when not is_available then null
            when hardware_type = 'cuda'
                then coalesce(
                        part -> 'system_info' -> 'cuda_devices' -> 0 ->> 'name',
                        part -> 'hardware_details' -> 'cuda_devices' -> 0 ->> 'name'
                    )
            when hardware_type = 'cpu'
                then part -> 'hardware_details' -> 'openvino_device_info' ->> 'CPU'
        end as device_name,
        part -> 'system_info' ->> 'hostname' as host,  -- noqa: RF04
        part -> 'system_info' ->> 'platform' as os,
        case when hardware_type = 'cuda' then part -> 'system_info' ->> 'cuda_version' end
            as cuda_version,

        ----------  numerics
        case
            when not is_available then 0
            when hardware_type = 'cuda'
                then try_cast(coalesce(
                        part -> 'system_info' ->> 'cuda_device_count',
                        part -> 'hardware_details' ->> 'cuda_device_count'
                    ) as integer)
            else 1
        end as device_count,
        case
            when not is_available then null
            when hardware_type = 'cuda'
                then try_cast(coalesce(
                        part -> 'system_info' -> 'cuda_devices' -> 0 ->> 'total_memory_gb',
                        part -> 'hardware_details' -> 'cuda_devices' -> 0 ->> 'total_memory'
                    ) as double)
            when hardware_type = 'cpu'
                then {{ json_number("part -> 'system_info' -> 'total_memory_gb'") }}
        end as device_memory_gb,
        case
            when not is_available then null
            when hardware_type = 'cuda'
                then try_cast(coalesce(
                        part -> 'system_info' -> 'cuda_devices' -> 0 ->> 'multi_processor_count',
                        part -> 'hardware_details'
                        -> 'cuda_devices'
                        -> 0
                        ->> 'multi_processor_count'
                    ) as integer)
            when hardware_type = 'cpu'
                then {{ json_integer("part -> 'system_info' -> 'cpu_count_logical'") }}
        end as device_compute_units,

        ----------  booleans
        is_available,

        ----------  timestamps
        coalesce(
            {{ legacy_timestamp("part -> 'system_info' ->> 'timestamp'") }},
            {{ legacy_timestamp("part ->> 'timestamp'") }},
            document_at
        ) as detected_at

    from best

)

select * from final
