with

source as (

    select * from {{ ref('wanted_benchmarks') }}

),

renamed as (

    select

        ----------  ids
        -- a generation's id adds its kind, lengths and backend; a forward id is what it was
        case
            when lower(benchmark_kind) = 'generate'
                then {{ stable_id([
                    'model_name', 'hardware_type', 'batch_size', 'precision', 'sequence_length',
                    "lower(benchmark_kind)", 'input_length', 'output_length',
                    "coalesce(lower(backend), 'eager')",
                ]) }}
            else {{ stable_id([
                'model_name', 'hardware_type', 'batch_size', 'precision', 'sequence_length'
            ]) }}
        end as wanted_benchmark_id,

        ----------  strings
        model_name,
        hardware_type,
        precision,
        -- optional columns: an empty kind is a forward pass, an empty backend eager
        coalesce(lower(benchmark_kind), 'forward') as benchmark_kind,
        coalesce(lower(backend), 'eager') as backend,

        ----------  numerics
        batch_size,
        sequence_length,
        -- NULL (image models) cannot be joined on: -1 stands for "no sequence length"
        coalesce(sequence_length, -1) as sequence_length_key,
        input_length,
        output_length,
        -- the same for a forward pass's missing input and output length
        coalesce(input_length, -1) as input_length_key,
        coalesce(output_length, -1) as output_length_key,
        priority

    from source

)

select * from renamed
