-- What the reps did today goes into the CRM, where the next day's pipeline run reads it.
insert into crm.salesforce.task (id, account_id, owner_id, type, activity_date, is_deleted)
select 'SIMT' || strftime(day, '%Y%m%d') || account_id, account_id, rep_id,
    getvariable('activity_type'), day + interval 10 hour, false
from touches where world = 'dynamic' and day = getvariable('day');

insert into crm.salesforce.book_return_c (id, account_c, returned_by_c, reason_c, created_date, is_deleted)
select 'SIMR' || strftime(day, '%Y%m%d') || account_id, account_id, rep_id, reason,
    day + interval 16 hour, false
from returns where world = 'dynamic' and day = getvariable('day');

insert into crm.salesforce.opportunity
    (id, account_id, owner_id, stage_name, is_closed, is_won, created_date, close_date, is_deleted)
select 'SIMO' || strftime(day, '%Y%m%d') || account_id, account_id, rep_id, 'Discovery', false, false,
    day + interval 17 hour, day + 90, false
from opportunities where world = 'dynamic' and day = getvariable('day');
