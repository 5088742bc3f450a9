{#- Every day's book_health, one set of rows per as_of (macros/coverage.sql). -#}
{{ history_of('book_health') }}
