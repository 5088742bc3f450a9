-- Uniform in [0, 1), fixed per account and purpose: the same account draws the same number in
-- both worlds, so they differ only by who owns what.
create macro u(k, salt) as (hash(k, getvariable('seed'), salt) % 1000000) / 1000000.0;
create table rates (tier integer, conversion_rate double, return_rate double);
create table touches (world varchar, day date, account_id varchar, rep_id varchar);
create table returns (world varchar, day date, account_id varchar, rep_id varchar, reason varchar);
create table opportunities (world varchar, day date, account_id varchar, rep_id varchar, tier integer);
create table capacity (day date, rep_id varchar, capacity integer);
create table initial_owners as
select id as account_id, owner_id, billing_country, billing_state
from crm.salesforce.account where not coalesce(is_deleted, false);
