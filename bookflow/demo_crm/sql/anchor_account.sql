-- Account 7 is pinned by the bundled overrides, so it must sit in a rep's book: the
-- firmographics of the first rep (by id) who owns anything.
select
    s.min_employees + floor(u(7, 'anchor_emp')
        * (coalesce(s.max_employees, s.min_employees * 5) - s.min_employees + 1))::integer,
    t.billing_country
from rep_quota q
join r_segments s on s.segment = q.segment
join r_theaters t on t.theater = q.theater
where q.quota > 0
order by q.rep_id, t.billing_country <> 'US', t.billing_country
limit 1
