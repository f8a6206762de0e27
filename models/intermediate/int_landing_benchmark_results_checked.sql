{#- Every landed benchmark result, forward (benchmark_results) and generation
    (generation_results), with the rule it breaks, if any: staging's row rules, then
    duplicates. The same result (one result_id) landed in two files (a run's file copied under
    another name) is one result: the copy in the file whose path sorts first is kept, whatever
    order the files were loaded in (so an incremental build and a full refresh agree), and each
    other copy is rejected naming it. int_benchmark_results_unioned reads the kept rows,
    rejected_rows the others.

    The copies are ranked on the ids alone (result_id, file, landed row), and only for the ids
    landed more than once: a reader that wants the rows loaded since some time (the incremental
    models) reads those rows whole and nothing else, never a sort of every landed row. -#}
with

forward_results as (

    select * from {{ ref('stg_landing__benchmark_results') }}

),

generation_results as (

    -- generation rows (benchmark_kind 'generate'): the same rules, their own columns
    select * from {{ ref('stg_landing__generation_results') }}

),

landed as (

    {{ union_all_by_name([
        ('forward_results', relation_columns(ref('stg_landing__benchmark_results'))),
        ('generation_results', relation_columns(ref('stg_landing__generation_results'))),
    ]) }}

),

landed_ids as (

    -- every landed row's ids only (read from staging again, not from `landed`, so that a
    -- filter on `landed` reaches its scans)
    select
        result_id,
        landed_row_id,
        source_file,
        rejection_rule
    from {{ ref('stg_landing__benchmark_results') }}
    union all
    select
        result_id,
        landed_row_id,
        source_file,
        rejection_rule
    from {{ ref('stg_landing__generation_results') }}

),

repeated_ids as (

    select result_id from landed_ids
    group by result_id
    having count(*) > 1

),

ranked_copies as (

    -- the copies of the ids landed more than once, a copy a rule refused last
    select
        landed_row_id,
        first_value(source_file) over by_result as first_source_file,
        row_number() over by_result as copy_rank
    from landed_ids
    where result_id in (select repeated_ids.result_id from repeated_ids)
    window by_result as (
        partition by result_id
        order by rejection_rule is not null, {{ landed_copy_order() }}
    )

),

ranked as (

    -- a row landed once has no copy to rank: it is the first
    select
        landed.*,
        coalesce(ranked_copies.first_source_file, landed.source_file) as first_source_file,
        coalesce(ranked_copies.copy_rank, 1) as copy_rank
    from landed
    left join ranked_copies on landed.landed_row_id = ranked_copies.landed_row_id

),

final as (

    select
        {{ star_except() }} (
            rejection_rule, rejected_column, rejected_value, first_source_file, copy_rank
        ),
        coalesce(
            rejection_rule,
            case
                when copy_rank > 1
                    then 'duplicate: result_id already landed in ' || first_source_file
            end
        ) as rejection_rule,
        coalesce(rejected_column, case when copy_rank > 1 then 'result_id' end)
            as rejected_column,
        coalesce(rejected_value, case when copy_rank > 1 then result_id end) as rejected_value
    from ranked

)

select * from final
