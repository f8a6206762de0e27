{#- Every legacy statement that a model does or does not run on a hardware type: matrix entries
    (H; NULL when the pair was never tested or the run crashed, never "incompatible"), the
    `compatible` flag of placeholder files (D) and the per-model web platform results of the
    hand-written comparison (K; a harness crash is not tested either). -#}
with

matrices as (

    select * from {{ ref('int_legacy_compatibility_matrices_parsed') }}

),

placeholder as (

    select * from {{ ref('int_legacy_placeholder_results_parsed') }}

),

flagged as (

    select * from {{ ref('int_legacy_benchmark_results_flagged') }}

),

web_comparison as (

    select * from {{ ref('int_legacy_web_comparisons_parsed') }}

),

documents as (

    select
        run_id,
        time_zone_basis
    from {{ ref('int_legacy_documents_registered') }}

),

from_matrices as (

    select
        legacy_row_id,
        run_id,
        source_path,
        source_shape,
        model_name,
        hardware_type,
        is_compatible,
        is_tested,
        nullif(error_message, '') as error_message,
        json_object(
            'legacy_family', legacy_family,
            'performance_rating', performance_rating,
            'mean_latency_ms', mean_latency_ms,
            'mean_throughput_items_per_second', mean_throughput_items_per_second
        ) as metadata,
        simulation_evidence,
        tested_at
    from matrices

),

from_placeholder as (

    select
        {{ stable_id(['placeholder.file_id', "'compatible'"]) }} as legacy_row_id,
        placeholder.run_id,
        placeholder.source_path,
        placeholder.source_shape,
        placeholder.model_name,
        placeholder.requested_hardware_type as hardware_type,
        any_value(placeholder.is_compatible) as is_compatible,
        true as is_tested,
        cast(null as varchar) as error_message,
        json_object('batch_sizes', list(placeholder.batch_size order by placeholder.batch_size))
            as metadata,
        string_agg(distinct flagged.simulation_reason, '; ') as simulation_evidence,
        min(placeholder.measured_at) as tested_at
    from placeholder
    left join flagged
        on placeholder.legacy_row_id = flagged.legacy_row_id
    where placeholder.is_compatible is not null
    group by all

),

from_web_comparison as (

    select
        legacy_row_id,
        run_id,
        source_path,
        source_shape,
        model_name,
        requested_hardware_type as hardware_type,
        -- a failure that is the harness crashing tested nothing: not tested, never incompatible
        case
            when status = 'completed' then true
            when status = 'failed' and not {{ legacy_is_crash('error_message') }} then false
        end as is_compatible,
        status = 'completed'
        or (status = 'failed' and not {{ legacy_is_crash('error_message') }}) as is_tested,
        error_message,
        json_object('modality', modality, 'implementation', source_details ->> 'implementation')
            as metadata,
        simulation_evidence,
        measured_at as tested_at
    from web_comparison

),

unioned as (

    select * from from_matrices
    union all
    select * from from_placeholder
    union all
    select * from from_web_comparison

),

with_time_zone as (

    select
        unioned.*,
        documents.time_zone_basis
    from unioned
    left join documents
        on unioned.run_id = documents.run_id

),

final as (

    select
        {{ stable_id(['legacy_row_id']) }} as compatibility_id,
        run_id,
        -- one name per model: an alias (seeds/model_aliases.csv) becomes its catalog name
        {{ legacy_model_name('model_name') }} as model_name,
        hardware_type,
        is_compatible,
        is_tested,
        error_message,
        json_merge_patch(
            coalesce(metadata, '{}'), json_object('time_zone', time_zone_basis)
        ) as metadata,
        simulation_evidence is not null as is_simulated,
        simulation_evidence as simulation_reason,
        tested_at,
        'legacy' as result_source,
        source_path,
        source_shape
    from with_time_zone

)

select * from final
