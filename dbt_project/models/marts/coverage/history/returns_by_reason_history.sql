{#- Every day's returns_by_reason, one set of rows per as_of (macros/coverage.sql). -#}
{{ history_of('returns_by_reason') }}
