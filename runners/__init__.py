"""benchdb: measure real models, land the results as Parquet, and serve the marts dbt builds.

The runner side (`benchdb run`) needs only torch, transformers, pyarrow and click; everything that
reads the warehouse (DuckDB, dbt, plotnine) is imported lazily by the commands that use it.
"""

__version__ = "0.1.0"
