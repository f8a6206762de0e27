with

source as (

    select * from {{ ref('hardware_catalog') }}

),

renamed as (

    select

        ----------  strings
        hardware_type,
        device_name,
        device_class,
        source as figure_source,

        ----------  numerics
        peak_tflops_fp32,
        peak_tflops_fp16,
        peak_tflops_bf16,
        memory_bandwidth_gb_per_s,
        memory_gb,

        ----------  booleans
        coalesce(is_default_for_type, false) as is_default_for_type

    from source

)

select * from renamed
