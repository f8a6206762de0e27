with

source as (

    select * from {{ ref('wanted_benchmarks') }}

),

renamed as (

    select

        ----------  ids
        {{ stable_id([
            'model_name', 'hardware_type', 'batch_size', 'precision', 'sequence_length'
        ]) }} as wanted_benchmark_id,

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
