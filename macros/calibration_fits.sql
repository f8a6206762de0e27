{#- The two calibrations of the roofline (docs/simulation.md, "Calibration"), fitted from the
    sums of a set of rows (measured y, roofline x), named `<p>_n`, `<p>_sum_log_ratio`
    (sum of ln(y / x)) and `<p>_sw`, `<p>_sx`, `<p>_sy`, `<p>_sxx`, `<p>_sxy` (sums of w, w x,
    w y, w x^2, w x y with w = 1 / y^2). Gives `<p>_factor` (ln factor = mean of ln(y / x): least
    squares in log space), `<p>_affine_factor` and `<p>_affine_overhead_ms` (y = factor x +
    overhead by least squares of the relative error; an overhead below 0 or a factor of 0 or
    less gives the factor alone, overhead 0; NULL with fewer than 2 rows or one roofline time). -#}
{% macro calibration_fits(p) -%}
    {%- set det = "(" ~ p ~ "_sxx * " ~ p ~ "_sw - " ~ p ~ "_sx * " ~ p ~ "_sx)" -%}
    {%- set k = "((" ~ p ~ "_sxy * " ~ p ~ "_sw - " ~ p ~ "_sx * " ~ p ~ "_sy) / " ~ det ~ ")" -%}
    {%- set c = "((" ~ p ~ "_sxx * " ~ p ~ "_sy - " ~ p ~ "_sx * " ~ p ~ "_sxy) / " ~ det ~ ")" -%}
    {%- set solvable = p ~ "_n >= 2 and " ~ det ~ " > 1e-9 * " ~ p ~ "_sxx * " ~ p ~ "_sw" -%}
    {%- set factor = "exp(" ~ p ~ "_sum_log_ratio / " ~ p ~ "_n)" -%}
    case when {{ p }}_n >= 1 then {{ factor }} end as {{ p }}_factor,
    case
        when {{ solvable }}
            then case when {{ c }} >= 0 and {{ k }} > 0 then {{ k }} else {{ factor }} end
    end as {{ p }}_affine_factor,
    case
        when {{ solvable }}
            then case when {{ c }} >= 0 and {{ k }} > 0 then {{ c }} else 0 end
    end as {{ p }}_affine_overhead_ms
{%- endmacro %}
