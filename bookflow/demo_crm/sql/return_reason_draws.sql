-- Returns for bad data are rare: weight 1 against 10 for every other reason.
select trim(reason)
from read_csv(?, header = true, all_varchar = true), range(
    case when lower(trim(goes_to_review)) = 'true' then 1 else 10 end) r(x)
order by 1, x
