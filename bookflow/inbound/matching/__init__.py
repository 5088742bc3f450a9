"""Lead-to-account matching: which account a hand raise is about when it names none.

- `keys`: a lead's keys, folded as the warehouse folds the accounts' (marts.account_match_keys);
- `candidates`: the few accounts sharing a key with each lead, looked up in the warehouse's marts;
- `scoring`: rapidfuzz on those candidates, tie-breakers, a rule and a confidence per lead;
- `bench`: `bookflow bench-match`, precision and recall on a fixture of messy leads.
"""
