with

source as (

    select * from {{ ref('model_catalog') }}

),

renamed as (

    select

        ----------  strings
        model_name,
        model_family,
        modality,
        input_kind,
        config_class,
        model_class,
        config_json,
        source as model_source,
        description,

        ----------  numerics
        num_layers,
        hidden_size,
        num_attention_heads,
        vocab_size,
        parameters_million

    from source

)

select * from renamed
