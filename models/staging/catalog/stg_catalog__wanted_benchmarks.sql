with

source as (

    select * from {{ ref('wanted_benchmarks') }}

),

renamed as (

    select

        ----------  strings
        model_name,
        hardware_type,
        precision,

        ----------  numerics
        batch_size,
        sequence_length,
        -- NULL (image models) cannot be joined on: -1 stands for "no sequence length"
        coalesce(sequence_length, -1) as sequence_length_key,
        priority

    from source

)

select * from renamed
