{#- Every day's coverage_daily, one set of rows per as_of (macros/coverage.sql). -#}
{{ history_of('coverage_daily') }}
