{#- Every day's conversion_by_source, one set of rows per as_of (macros/coverage.sql). -#}
{{ history_of('conversion_by_source') }}
