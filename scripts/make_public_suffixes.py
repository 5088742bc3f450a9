"""Write dbt_project/reference/public_suffixes.csv from the Public Suffix List tldextract bundles.

The ICANN section only (the private section names hosting platforms, whose customers' sites are
not companies' own domains), as tldextract reads it with include_psl_private_domains=False, so
the warehouse and bookflow/inbound/matching fold a web address to the same registrable domain.
Run it after upgrading tldextract; the list is under the Mozilla Public License 2.0.
"""

import csv
from importlib import resources
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "dbt_project" / "reference" / "public_suffixes.csv"


def main() -> None:
    text = resources.files("tldextract").joinpath(".tld_set_snapshot").read_text(encoding="utf-8")
    icann = text.split("===BEGIN ICANN DOMAINS===", 1)[1].split("===END ICANN DOMAINS===", 1)[0]
    version = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("// VERSION:"))
    rules = sorted({line.strip().lower() for line in icann.splitlines() if line.strip() and not line.startswith("//")})
    with TARGET.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["suffix"])
        writer.writerows([rule] for rule in rules)
    print(f"{len(rules)} ICANN rules of the list of {version} -> {TARGET}")


if __name__ == "__main__":
    main()
