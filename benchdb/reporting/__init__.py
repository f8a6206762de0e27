"""Reports and charts over the reporting marts (models/marts/reporting/rpt_*).

- `data`: read-only access to the warehouse, metric definitions, selection checks.
- `formats`: a table (pyarrow) written as text, CSV, JSON, Parquet, Markdown or HTML.
- `charts`: pure functions DataFrame -> plotnine ggplot, and saving them.
- `reports`: the performance, hardware, compatibility and simulation reports.
- `dashboard`: a folder with index.html, every chart and the key tables.
- `visualizer`: the old `BenchmarkVisualizer` methods as plain functions.

plotnine and pandas are imported by the modules that need them, not here, so `benchdb --help`
stays fast.
"""
