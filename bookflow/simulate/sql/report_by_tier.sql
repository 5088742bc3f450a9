-- Each world's completed sequences and opportunities by the tier the account had when it completed.
select
    worlds.world,
    rates.tier,
    (
        select count(*) from sequences
        where sequences.world = worlds.world and sequences.tier = rates.tier and sequences.completed_on is not null
    ) as completions,
    (
        select count(*) from opportunities
        where opportunities.world = worlds.world and opportunities.tier = rates.tier
    ) as opportunities
from (values ('static'), ('dynamic')) as worlds (world)
cross join rates
order by worlds.world desc, rates.tier
