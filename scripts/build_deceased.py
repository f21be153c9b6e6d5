"""Write src/limner/policy/data/people/deceased.tsv: death years of people in the shipped gazetteers.

Artists' years come from the Tate collection metadata (CC0 1.0), GitHub `tategallery/collection`,
file `artist_data.csv`; pass its path with --tate (steps in src/limner/policy/data/SOURCES.md). Other
people's years are listed below with their Wikidata item (Wikidata is CC0 1.0), so each can be checked.
Only people already in the gazetteers are written: the list dates known names, it adds none.
Run: .venv/bin/python scripts/build_deceased.py --tate /path/to/artist_data.csv
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from limner.policy.detectors.people import shipped_figures
from limner.policy.detectors.people_text import fold

OUT = Path(__file__).resolve().parent.parent / "src/limner/policy/data/people/deceased.tsv"
# (gazetteer name, Wikidata item, year of death): people who are not in Tate's artist list.
WIKIDATA = (
    ("Napoleon Bonaparte", "Q517", 1821),
    ("Abraham Lincoln", "Q91", 1865),
    ("George Washington", "Q23", 1799),
    ("Julius Caesar", "Q1048", -44),
    ("Cleopatra", "Q635", -30),
    ("Genghis Khan", "Q720", 1227),
    ("Joan of Arc", "Q7226", 1431),
    ("Henry VIII", "Q38370", 1547),
    ("Queen Victoria", "Q9439", 1901),
    ("William Shakespeare", "Q692", 1616),
    ("Isaac Newton", "Q935", 1727),
    ("Charles Darwin", "Q1035", 1882),
    ("Karl Marx", "Q9061", 1883),
    ("Friedrich Nietzsche", "Q9358", 1900),
    ("Sigmund Freud", "Q9215", 1939),
    ("Marie Curie", "Q7186", 1934),
    ("Nikola Tesla", "Q9036", 1943),
    ("Albert Einstein", "Q937", 1955),
    ("Leonardo da Vinci", "Q762", 1519),
    ("Michelangelo", "Q5592", 1564),
    ("Vladimir Lenin", "Q1394", 1924),
    ("Mahatma Gandhi", "Q1001", 1948),
    ("Thomas Jefferson", "Q11812", 1826),
    ("John Adams", "Q11806", 1826),
    ("James Madison", "Q11813", 1836),
    ("Andrew Jackson", "Q11817", 1845),
    ("Ulysses Simpson Grant", "Q34836", 1885),
    ("Theodore Roosevelt", "Q33866", 1919),
    ("Woodrow Wilson", "Q34296", 1924),
    ("Franklin Delano Roosevelt", "Q8007", 1945),
    ("Anne Frank", "Q4583", 1945),
)


def tate_years(path: Path) -> dict[str, tuple[int, str]]:
    """Folded "First Last" → (year of death, Tate id) for every artist with a recorded year of death."""
    years: dict[str, tuple[int, str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if not row["yearOfDeath"].strip():
                continue
            last, _, first = row["name"].partition(", ")
            years[fold(f"{first} {last}".strip())] = (int(row["yearOfDeath"]), row["id"])
    return years


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tate", type=Path, required=True, help="Tate collection artist_data.csv")
    args = parser.parse_args()
    tate = tate_years(args.tate)
    known = {fold(name): name for name, _, _ in WIKIDATA}
    rows = [(name, year, f"wikidata:{item}") for name, item, year in WIKIDATA]
    for line in shipped_figures():
        names = line.split("|")
        hits = [tate[fold(n)] for n in names if fold(n) in tate]
        if hits and fold(names[0]) not in known:
            year, tate_id = hits[0]
            rows.append((names[0], year, f"tate:{tate_id}"))
    header = "# name (as in the gazetteers)\tyear of death\tsource; written by scripts/build_deceased.py\n"
    body = "".join(f"{name}\t{year}\t{source}\n" for name, year, source in sorted(rows))
    OUT.write_text(header + body, encoding="utf-8")
    print(f"wrote {OUT}: {len(rows)} people")


if __name__ == "__main__":
    main()
