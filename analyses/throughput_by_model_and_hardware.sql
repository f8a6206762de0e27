-- The old documentation's example query, kept as it was written: it must run unchanged on the
-- marts (tests/test_warehouse.py checks its answer against the landed Parquet).
select
    m.model_name,
    hp.hardware_type,
    avg(pr.throughput_items_per_second) as avg_throughput
from {{ ref('performance_results') }} as pr
inner join {{ ref('models') }} as m
    on pr.model_id = m.model_id
inner join {{ ref('hardware_platforms') }} as hp
    on pr.hardware_id = hp.hardware_id
group by m.model_name, hp.hardware_type
order by avg_throughput desc
