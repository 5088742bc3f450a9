-- One row per slot: a country with weight w fills w of the 1,000 slots `pick` draws from.
select v
from (select unnest(?::varchar[]) as v, unnest(?::integer[]) as w), range(w) r(x)
order by v, x
