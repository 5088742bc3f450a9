-- Uniform in [0, 1) and a uniform pick from a list variable, both keyed by a row and a salt:
-- a new salt per attribute keeps attributes independent of each other. A pick from an empty
-- list is null (see parameters.set_list). Whole days before as_of land at a working-hours time.
create temp macro u(k, salt) as (hash(k, getvariable('seed'), salt) % 1000000) / 1000000.0;
create temp macro pick(lst, k, salt) as
    getvariable(lst)[1 + (hash(k, getvariable('seed'), salt) % getvariable(lst || '_n'))::bigint];
create temp macro days_before(d, k, salt) as
    getvariable('as_of')::timestamp - to_days(d::integer)
    + to_seconds((25200 + hash(k, getvariable('seed'), salt) % 43200)::bigint);
