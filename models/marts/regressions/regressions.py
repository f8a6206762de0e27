"""One row per series of regression_points: its status (regression, improvement, suspect, no
change, insufficient data), the change point, its size with an interval, the p-value, and what
changed. A Python model because the test, PELT and the comparison of environments are
benchdb.regressions (scipy, ruptures), the same code `make bench` evaluates on series of known
truth; dbt-duckdb runs it in process, inside the build, so the mart is published with the
rest of the warehouse or not at all."""


def model(dbt, session):
    from benchdb.regressions import Settings, detect

    dbt.config(materialized="table")
    settings = Settings.from_meta(dbt.config.get("meta", {}).get("regression_settings"))
    points = dbt.ref("regression_points").df()
    return detect(points, settings)
