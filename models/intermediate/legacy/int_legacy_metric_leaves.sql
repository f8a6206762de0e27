{#- Every value a legacy file writes under a metric-like key, whatever its shape (the
    unrecognised ones, U, included): one row per JSON leaf whose nearest key names a time,
    latency, throughput, rate per second or memory (an array element takes its array's key), a
    JSON number, a string that spells one or a boolean. Only a JSON number is ever a value:
    a string ("888.375", "NaN") or a boolean is a rejected value (value NULL, value_note says
    why; rejected_rows lists it), and so are infinities (1e400), absurd numbers (9.99e307) and a
    key written twice in one object (the first is read, as DuckDB and migrate both do).
    int_legacy_metric_values_parsed lists the numbers and the strings; rejected_rows also the
    booleans. The unit is read from the key when the key says it
    (_ms, _seconds, _mb, _gb, tokens_per_second ...), else NULL: never guessed. The old system
    wrote 0 for "not measured": a 0 or a negative number keeps its reported value, and value
    is NULL. The same rules as benchdb/legacy_shapes.py's metric_leaves, which counts them
    (rows_expected of shape U). -#}
{{ config(materialized='table') }}

{%- set metric_key =
    "'(latenc|throughput|per_sec|tokens_per|items_per|samples_per|fps|memory|^mem_|_mem$"
    ~ "|_mb$|_gb$|_kb$|mib|gib|bytes|elapsed|duration|runtime|time|_ms$|_us$|_ns$|seconds"
    ~ "|_sec$|_secs$|realtime|real_time|rtf|speedup|bandwidth|flops)'" -%}
{%- set not_metric_key = "'(timestamp|timeout|_at$|timezone|time_zone)'" -%}
{%- set rate_key = "'(success_rate|pass_rate|completion_percentage)'" -%}
{%- set measure_key =
    "'(latenc|throughput|per_sec|_ms$|_us$|_ns$|_mb$|_gb$|_kb$|_secs?$|seconds|bytes|memory)'" -%}

with recursive

documents as (

    select * from {{ ref('int_legacy_documents_registered') }}

),

nodes (file_id, json_path, metric_key, json_node, nesting_level, repeated_key_id) as (

    -- the document walked level by level (json_each per container: far cheaper than
    -- json_tree); an array element is named by its array's key. A key written twice in one
    -- object: DuckDB's `->` and migrate (benchdb/legacy_shapes.py) read the first; a later
    -- copy (and all below it) carries the json_each id it was found at
    select
        file_id,
        '$' as json_path,
        cast(null as varchar) as metric_key,
        document as json_node,
        0 as nesting_level,
        cast(null as ubigint) as repeated_key_id
    from documents

    union all

    select
        nodes.file_id,
        nodes.json_path || case
            when json_type(nodes.json_node) = 'ARRAY' then '[' || child.key || ']'
            when regexp_full_match(child.key, '[A-Za-z_][A-Za-z0-9_]*') then '.' || child.key
            else '."' || replace(child.key, '"', '\"') || '"'
        end as json_path,
        case
            when json_type(nodes.json_node) = 'ARRAY' then nodes.metric_key else child.key
        end as metric_key,
        child.value as json_node,
        nodes.nesting_level + 1 as nesting_level,
        coalesce(
            nodes.repeated_key_id,
            case
                when
                    json_type(nodes.json_node) = 'OBJECT'
                    and len(json_keys(nodes.json_node))
                    > len(list_distinct(json_keys(nodes.json_node)))
                    and exists (
                        select 1
                        from json_each(nodes.json_node) as sibling
                        where sibling.key = child.key and sibling.id < child.id
                    )
                    then child.id
            end
        ) as repeated_key_id
    from nodes
    cross join json_each(nodes.json_node) as child
    where json_type(nodes.json_node) in ('OBJECT', 'ARRAY') and nodes.nesting_level < 100

),

leaves as (

    select
        documents.file_id,
        documents.run_id,
        documents.source_path,
        documents.source_shape,
        nodes.json_path,
        nodes.metric_key,
        nodes.repeated_key_id,
        nodes.json_node,
        json_type(nodes.json_node) as json_type,
        -- a success, pass or completion rate no convention allows (the parsers read 0-1 or
        -- percent): listed with the metrics' rejections, never a metric itself
        coalesce(
            regexp_matches(lower(nodes.metric_key), {{ rate_key }})
            and json_type(nodes.json_node) in ('BIGINT', 'UBIGINT', 'DOUBLE')
            and not try_cast(nodes.json_node as double) between 0 and 100,
            false
        ) as is_rate,
        case
            when json_type(nodes.json_node) = 'VARCHAR' then nodes.json_node ->> '$'
            else cast(nodes.json_node as varchar)
        end as atom
    from nodes
    inner join documents
        on nodes.file_id = documents.file_id
    where
        nodes.metric_key is not null
        and json_type(nodes.json_node) in ('DOUBLE', 'UBIGINT', 'BIGINT', 'VARCHAR', 'BOOLEAN')

),

metric_leaves as (

    -- a string is listed only when it spells a number ("888.375", "NaN", "inf"): never read
    -- as one, it is a rejected value (value NULL, value_note says why); so is a boolean
    select
        *,
        case
            when repeated_key_id is not null
                then 'duplicate key: written again in the same object; the first value is read'
            when is_rate
                then 'range: a rate lies between 0 and 1, or 0 and 100 percent'
            else {{ json_number_rule('json_node') }}
        end as value_note,
        -- as written: a string's spelling read for the record only (value stays NULL)
        case
            when json_type = 'VARCHAR' then try_cast(trim(atom) as double)
            when json_type != 'BOOLEAN' then try_cast(json_node as double)
        end as reported_value
    from leaves
    where
        is_rate
        or regexp_matches(lower(metric_key), {{ metric_key }})
        and not regexp_matches(lower(metric_key), {{ not_metric_key }})
        and (
            json_type in ('BIGINT', 'UBIGINT', 'DOUBLE')
            -- a boolean only under a key that names a measure or its unit (not a flag such as
            -- platform_support.onnx_runtime)
            or (json_type = 'BOOLEAN' and regexp_matches(lower(metric_key), {{ measure_key }}))
            or (
                json_type = 'VARCHAR'
                and regexp_full_match(
                    lower(atom),
                    '\s*[-+]?([0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|nan|inf|infinity)\s*'
                )
            )
        )

),

final as (

    select
        ----------  ids
        case
            when repeated_key_id is null then {{ stable_id(['file_id', 'json_path']) }}
            else {{ stable_id(['file_id', 'json_path', 'repeated_key_id']) }}
        end as metric_value_id,
        file_id,
        run_id,

        ----------  strings
        source_path,
        source_shape,
        json_path,
        metric_key,
        case
            when regexp_matches(lower(metric_key), '(_ms$|_ms_|millisec)') then 'ms'
            when regexp_matches(lower(metric_key), '(_us$|microsec)') then 'us'
            when regexp_matches(lower(metric_key), '(_ns$|nanosec)') then 'ns'
            when regexp_matches(lower(metric_key), 'tokens_per_sec') then 'tokens/s'
            when regexp_matches(lower(metric_key), 'items_per_sec') then 'items/s'
            when regexp_matches(lower(metric_key), 'samples_per_sec') then 'samples/s'
            when regexp_matches(lower(metric_key), 'fps') then 'frames/s'
            when regexp_matches(lower(metric_key), 'per_sec') then 'per second'
            when regexp_matches(lower(metric_key), '(seconds|_secs?$)') then 's'
            when regexp_matches(lower(metric_key), '(_mib$|_mb$|_mb_)') then 'MB'
            when regexp_matches(lower(metric_key), '(_gib$|_gb$|_gb_)') then 'GB'
            when regexp_matches(lower(metric_key), '_kb$') then 'KB'
            when regexp_matches(lower(metric_key), 'bytes') then 'bytes'
            when regexp_matches(lower(metric_key), '(percent|_pct$)') then '%'
            when regexp_matches(lower(metric_key), '(factor|speedup)') then 'x'
        end as unit,
        value_note,
        atom as reported_text,

        ----------  numerics
        reported_value,
        case when value_note is null then reported_value end as value,  -- noqa: RF04

        ----------  booleans
        json_type = 'VARCHAR' as is_written_as_text,
        json_type = 'BOOLEAN' as is_written_as_boolean,
        is_rate as is_out_of_range_rate,
        source_shape = 'U' as is_from_unrecognised_shape

    from metric_leaves

)

select * from final
