{#- How far to trust the estimates: where a configuration has both a real measurement and a
    roofline estimate (benchdb run --also-estimate), estimate / measured mean latency, summarized
    per model family, hardware type and the catalog device the estimate used. A ratio below 1
    means the estimate is optimistic. -#}
with

results as (

    select * from {{ ref('performance_results') }}
    where status = 'completed' and latency_mean_ms > 0

),

keyed as (

    select
        *,
        coalesce(sequence_length, -1) as sequence_length_key
    from results

),

measured as (

    select
        model_name,
        model_family,
        hardware_type,
        precision,
        batch_size,
        sequence_length_key,
        arg_max(latency_mean_ms, measured_at) as measured_latency_ms
    from keyed
    where not is_simulated
    group by all

),

estimated as (

    select
        model_name,
        hardware_type,
        precision,
        batch_size,
        sequence_length_key,
        arg_max(device_name, measured_at) as estimated_with_device,
        arg_max(latency_mean_ms, measured_at) as estimated_latency_ms
    from keyed
    where is_simulated and simulation_method like 'roofline%'
    group by all

),

paired as (

    select
        measured.model_family,
        measured.hardware_type,
        estimated.estimated_with_device,
        estimated.estimated_latency_ms / measured.measured_latency_ms as ratio
    from measured
    inner join estimated
        on
            measured.model_name = estimated.model_name
            and measured.hardware_type = estimated.hardware_type
            and measured.precision = estimated.precision
            and measured.batch_size = estimated.batch_size
            and measured.sequence_length_key = estimated.sequence_length_key

),

final as (

    select
        {{ stable_id(['model_family', 'hardware_type', 'estimated_with_device']) }}
            as accuracy_id,
        model_family,
        hardware_type,
        estimated_with_device,
        count(*) as configurations,
        exp(avg(ln(ratio))) as geometric_mean_ratio,
        median(ratio) as median_ratio,
        min(ratio) as min_ratio,
        max(ratio) as max_ratio
    from paired
    group by all

)

select * from final
