{#- Every number a legacy file writes under a metric-like key (int_legacy_metric_leaves), and
    every string that spells one (its value NULL, value_note says why): the rows of
    legacy_metric_values. Booleans under such keys, and rates out of every range, are rejected values only
    (rejected_rows). -#}
with

leaves as (

    select * from {{ ref('int_legacy_metric_leaves') }}

),

final as (

    select * exclude (is_written_as_boolean, is_out_of_range_rate)
    from leaves
    where not is_written_as_boolean and not is_out_of_range_rate

)

select * from final
