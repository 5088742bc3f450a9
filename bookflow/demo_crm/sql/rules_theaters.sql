create temp table r_theaters as
select upper(trim(billing_country)) as billing_country, trim(theater) as theater
from read_csv(?, header = true, all_varchar = true)
