{#- Every day's capacity_gap, one set of rows per as_of (macros/coverage.sql). -#}
{{ history_of('capacity_gap') }}
