create or replace temp table book as select account_id, rep_id from static_territories;
