{#- Every model in the catalog, and every model a result names that the catalog lacks
    (benchmark results, and legacy integration and compatibility results). -#}
with

catalog_models as (

    select * from {{ ref('stg_catalog__models') }}

),

results as (

    select * from {{ ref('int_benchmark_results_summarised') }}

),

-- the legacy side is left out where the engine has none (reads_legacy, docs/spark.md)
-- noqa: disable=LT02
{%- if reads_legacy() %}

integration_tests as (

    select * from {{ ref('int_legacy_integration_test_results') }}

),

compatibility as (

    select * from {{ ref('int_legacy_hardware_compatibility') }}

),
{%- endif %}

named as (

    -- by name: integration and compatibility results name a model and nothing else about it
    select
        model_name,
        model_family,
        modality,
        parameter_count,
        first_measured_at as measured_at
    from results
    {%- if reads_legacy() %}

    union all by name

    select model_name
    from integration_tests
    where model_name is not null

    union all by name

    select model_name
    from compatibility
    where model_name is not null
    {%- endif %}
    -- noqa: enable=LT02

),

seen as (

    select
        model_name,
        {{ any_non_null('model_family') }} as model_family,
        {{ any_non_null('modality') }} as modality,
        max(parameter_count) as parameter_count,
        min(measured_at) as first_measured_at
    from named
    group by model_name

),

final as (

    select
        {{ stable_id(['coalesce(catalog_models.model_name, seen.model_name)']) }} as model_id,
        coalesce(catalog_models.model_name, seen.model_name) as model_name,
        coalesce(catalog_models.model_family, seen.model_family) as model_family,
        coalesce(catalog_models.modality, seen.modality) as modality,
        coalesce(catalog_models.model_source, 'results') as source,  -- noqa: RF04
        cast(null as {{ text_type() }}) as version,  -- noqa: RF04
        coalesce(
            catalog_models.parameters_million, seen.parameter_count / 1e6
        ) as parameters_million,
        {{ json_object_of([
            ('input_kind', 'catalog_models.input_kind'),
            ('config_class', 'catalog_models.config_class'),
            ('model_class', 'catalog_models.model_class'),
            ('config', json_value('catalog_models.config_json')),
            ('num_layers', 'catalog_models.num_layers'),
            ('hidden_size', 'catalog_models.hidden_size'),
            ('description', 'catalog_models.description'),
        ]) }} as metadata,
        seen.first_measured_at as created_at,
        catalog_models.model_name is not null as is_in_catalog,
        catalog_models.input_kind,
        catalog_models.config_class,
        catalog_models.num_layers,
        catalog_models.hidden_size
    from catalog_models
    full outer join seen
        on catalog_models.model_name = seen.model_name

)

select * from final
