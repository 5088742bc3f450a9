-- Salesforce ids in DuckDB SQL, for generating millions of them at once; ids.py does one
-- and says how the case-safe suffix works. Written with arithmetic on the record number, not
-- string scans, so ten million ids take a second or two.

-- salesforce_upper_bits: the suffix bits of five characters (bit i: character i is upper case).
create or replace macro salesforce_upper_bits(five) as
    (case when substr(five, 1, 1) <> lower(substr(five, 1, 1)) then 1 else 0 end)
    + (case when substr(five, 2, 1) <> lower(substr(five, 2, 1)) then 2 else 0 end)
    + (case when substr(five, 3, 1) <> lower(substr(five, 3, 1)) then 4 else 0 end)
    + (case when substr(five, 4, 1) <> lower(substr(five, 4, 1)) then 8 else 0 end)
    + (case when substr(five, 5, 1) <> lower(substr(five, 5, 1)) then 16 else 0 end);

-- salesforce_id: record `number` of the object whose key prefix is `key_prefix`, in a demo org:
-- the prefix, pod Dn0, nine base-62 digits of the number, the three suffix characters.
create or replace macro salesforce_id(key_prefix, number) as
    key_prefix || 'Dn0'
    || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 1 + cast(((cast(number as bigint) // 218340105584896) % 62) as integer), 1)
    || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 1 + cast(((cast(number as bigint) // 3521614606208) % 62) as integer), 1)
    || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 1 + cast(((cast(number as bigint) // 56800235584) % 62) as integer), 1)
    || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 1 + cast(((cast(number as bigint) // 916132832) % 62) as integer), 1)
    || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 1 + cast(((cast(number as bigint) // 14776336) % 62) as integer), 1)
    || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 1 + cast(((cast(number as bigint) // 238328) % 62) as integer), 1)
    || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 1 + cast(((cast(number as bigint) // 3844) % 62) as integer), 1)
    || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 1 + cast(((cast(number as bigint) // 62) % 62) as integer), 1)
    || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 1 + cast(((cast(number as bigint) // 1) % 62) as integer), 1)
    || substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', 1 + salesforce_upper_bits(key_prefix || 'Dn'), 1)
    || substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', 1 + (case when ((cast(number as bigint) // 218340105584896) % 62) between 10 and 35 then 2 else 0 end) + (case when ((cast(number as bigint) // 3521614606208) % 62) between 10 and 35 then 4 else 0 end) + (case when ((cast(number as bigint) // 56800235584) % 62) between 10 and 35 then 8 else 0 end) + (case when ((cast(number as bigint) // 916132832) % 62) between 10 and 35 then 16 else 0 end), 1)
    || substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', 1 + (case when ((cast(number as bigint) // 14776336) % 62) between 10 and 35 then 1 else 0 end) + (case when ((cast(number as bigint) // 238328) % 62) between 10 and 35 then 2 else 0 end) + (case when ((cast(number as bigint) // 3844) % 62) between 10 and 35 then 4 else 0 end) + (case when ((cast(number as bigint) // 62) % 62) between 10 and 35 then 8 else 0 end) + (case when ((cast(number as bigint) // 1) % 62) between 10 and 35 then 16 else 0 end), 1);
