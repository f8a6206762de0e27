{#- One row per registered legacy document (distinct content), with the provenance of its first
    registration, the zone its naive times are read in, and the document's own time. Every
    shape parser (int_legacy_*_parsed) reads from here. Materialised as a table so the JSON
    files are read once per build.

    Time zones from evidence: a file that writes a naive local time and an epoch of the same
    moment (under time-like keys) gives its clock's UTC offset: naive minus epoch, rounded to
    15 minutes, from pairs within a minute of that (the most frequent offset wins). Its naive
    times are read with that offset; a file without such a pair takes the offset most files of
    its source tree (the input directory it was migrated from) gave. With no evidence, the
    `legacy_naive_timezone` setting decides ('configured'), or UTC is assumed. -#}
{{ config(materialized='table') }}

with

documents as (

    select * from {{ ref('stg_legacy__documents') }}

),

manifest as (

    select * from {{ ref('stg_legacy__manifest') }}

),

first_registration as (

    select *
    from manifest
    where status = 'registered'
    qualify row_number() over (
            partition by file_id order by registered_at, source_path
        ) = 1

),

registered as (

    select
        first_registration.*,
        documents.document
    from first_registration
    inner join documents
        on first_registration.file_id = documents.file_id

),

time_leaves as (

    -- the times a document writes under time-like keys (timestamp, time, date, *_at), found
    -- in its text (a regular expression is far cheaper than walking the JSON tree): epoch
    -- seconds (2017-2039) and naive local texts
    select
        file_id,
        written,
        case
            when not starts_with(written, '"') then try_cast(written as double)
        end as epoch_seconds,
        case
            when starts_with(written, '"')
                then epoch({{ legacy_naive_timestamp("trim(written, '\"')") }})
        end as naive_seconds
    from (
        select
            file_id,
            unnest(
                regexp_extract_all(
                    cast(document as varchar),
                    -- "<time-like key>": "<text>" or <number>
                    '(?i)"[^"\\]*(?:timestamp|time|date|_at)"\s*:\s*("[^"]{8,40}"|[0-9][0-9.eE+-]*)',  -- noqa: LT05
                    1
                )
            ) as written
        from registered
    ) as extracted

),

epochs as (

    select * from time_leaves
    where epoch_seconds between 1.5e9 and 2.2e9
    qualify row_number() over (partition by file_id order by epoch_seconds) <= 50

),

naive_times as (

    select * from time_leaves
    where naive_seconds is not null
    qualify row_number() over (partition by file_id order by naive_seconds) <= 50

),

pairs as (

    select
        naive_times.file_id,
        naive_times.written as naive_written,
        epochs.written as epoch_written,
        naive_times.naive_seconds - epochs.epoch_seconds as difference_seconds,
        cast(round((naive_times.naive_seconds - epochs.epoch_seconds) / 900) * 900 as integer)
            as offset_seconds
    from naive_times
    inner join epochs
        on naive_times.file_id = epochs.file_id

),

same_moment as (

    -- a naive time and an epoch within a minute of a whole quarter-hour apart
    select * from pairs
    where
        abs(difference_seconds - offset_seconds) <= 60
        and abs(offset_seconds) <= 14 * 3600

),

file_offsets as (

    select
        file_id,
        offset_seconds,
        arg_min(naive_written, abs(difference_seconds - offset_seconds)) as naive_written,
        arg_min(epoch_written, abs(difference_seconds - offset_seconds)) as epoch_written,
        count(*) as pairs_found
    from same_moment
    group by file_id, offset_seconds
    qualify row_number() over (
            partition by file_id order by count(*) desc, offset_seconds
        ) = 1

),

with_file_offsets as (

    select
        registered.*,
        file_offsets.offset_seconds as file_offset_seconds,
        file_offsets.naive_written,
        file_offsets.epoch_written
    from registered
    left join file_offsets
        on registered.file_id = file_offsets.file_id

),

tree_offsets as (

    -- the offset most files of one source tree (input directory) gave
    select
        input_root,
        file_offset_seconds as offset_seconds,
        count(*) as files_agreeing,
        min(source_path) as example_path
    from with_file_offsets
    where file_offset_seconds is not null
    group by input_root, file_offset_seconds
    qualify row_number() over (
            partition by input_root order by count(*) desc, file_offset_seconds
        ) = 1

),

zoned as (

    select
        with_file_offsets.* exclude (document),  -- noqa: RF02, RF03
        with_file_offsets.document,
        coalesce(with_file_offsets.file_offset_seconds, tree_offsets.offset_seconds)
            as utc_offset_seconds,
        case
            when
                with_file_offsets.file_offset_seconds is not null
                or tree_offsets.offset_seconds is not null
                then 'inferred'
            else {{ legacy_naive_timezone_basis() }}
        end as time_zone_basis,
        case
            when with_file_offsets.file_offset_seconds is not null
                then
                    {{ legacy_utc_offset_label('with_file_offsets.file_offset_seconds') }}
                    || ' from this file: naive ' || with_file_offsets.naive_written
                    || ' and epoch ' || with_file_offsets.epoch_written
                    || ' are the same moment'
            when tree_offsets.offset_seconds is not null
                then
                    {{ legacy_utc_offset_label('tree_offsets.offset_seconds') }}
                    || ' from ' || tree_offsets.files_agreeing
                    || ' file(s) of its source tree ' || with_file_offsets.input_root
                    || ' (e.g. ' || tree_offsets.example_path || ')'
            when {{ legacy_naive_timezone_basis() }} = 'configured'
                then 'legacy_naive_timezone is ' || {{ legacy_naive_timezone() }}
            else
                'no file of its source tree writes a naive time and an epoch of the same'
                || ' moment, and legacy_naive_timezone is not set'
        end as time_zone_evidence
    from with_file_offsets
    left join tree_offsets
        on with_file_offsets.input_root = tree_offsets.input_root

),

final as (

    select
        file_id,
        {{ stable_id(["'legacy'", 'file_id']) }} as run_id,
        source_path,
        input_root,
        source_shape,
        shape_family,
        category,
        rows_expected,
        utc_offset_seconds,
        time_zone_basis,
        time_zone_evidence,
        -- the innermost time written in the path, read like the file's own naive times
        {{ legacy_timestamp('path_time_tokens[-1]') }} as path_time_at,
        -- the document's own time, wherever its shape keeps it; else the time in its path
        coalesce(
            {{ legacy_timestamp("document ->> 'timestamp'") }},
            {{ legacy_timestamp("document ->> 'test_timestamp'") }},
            {{ legacy_timestamp("document -> 'metadata' ->> 'timestamp'") }},
            {{ legacy_timestamp("document -> 'stats' ->> 'timestamp'") }},
            {{ legacy_timestamp("document -> 0 ->> 'timestamp'") }},
            {{ legacy_timestamp('path_time_tokens[-1]') }}
        ) as document_at,
        document
    from zoned

)

select * from final
