#!/usr/bin/env python3
"""Regenerate data/geography.json from the PyPI package `nepali-address` (MIT).

    pip install nepali-address==0.1.4 && python3 scripts/extract_geography.py

The package holds Nepal's 7 provinces, 77 districts and 753 local levels with
English and Nepali names, types and ward counts. Two local-level types are wrong
there and are corrected here (see CORRECTIONS). The output is deterministic:
the same package version gives byte-identical JSON.
"""
import json
import pathlib
import sys
from importlib.metadata import version

from nepali_address.data.districts import DISTRICTS
from nepali_address.data.local_levels import LOCAL_LEVELS
from nepali_address.data.provinces import PROVINCES

# code -> (expected English name, correct type)
CORRECTIONS = {
    11306: ("Itahari Sub-Metropolitan City", "sub-metropolitan"),
    30702: ("Bhaktapur Municipality", "municipality"),
}

TYPES = {"metropolitan", "sub-metropolitan", "municipality", "rural-municipality"}


def to_json_lines(data: dict) -> str:
    """JSON with one record a line, so that a diff of the file shows which places changed."""
    parts = []
    for key, value in data.items():
        if isinstance(value, list):
            rows = ",\n".join(json.dumps(r, ensure_ascii=False) for r in value)
            parts.append(f"{json.dumps(key)}: [\n{rows}\n]")
        else:
            parts.append(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main() -> int:
    out = pathlib.Path(__file__).resolve().parent.parent / "data" / "geography.json"
    local_levels = []
    for ll in sorted(LOCAL_LEVELS, key=lambda x: x["id"]):
        kind = ll["type"]
        if ll["id"] in CORRECTIONS:
            name, fixed = CORRECTIONS[ll["id"]]
            if ll["name"] != name:
                sys.exit(f"correction for {ll['id']} expects {name!r}, package has {ll['name']!r}")
            kind = fixed
        if kind not in TYPES:
            sys.exit(f"unknown local-level type {kind!r} for {ll['id']}")
        local_levels.append(
            {
                "code": f"{ll['id']:05d}",
                "district": f"{ll['district_id']:03d}",
                "name_en": ll["name"],
                "name_ne": ll["name_ne"],
                "type": kind,
                "wards": ll["total_wards"],
            }
        )
    data = {
        "attribution": (
            f"Derived from the PyPI package nepali-address {version('nepali-address')} "
            "(MIT License, Copyright (c) 2026 Gehendra), with two corrections: Itahari is a "
            "sub-metropolitan city and Bhaktapur a municipality. Regenerate with "
            "scripts/extract_geography.py."
        ),
        "provinces": [
            {"code": str(p["id"]), "name_en": p["name"], "name_ne": p["name_ne"]}
            for p in sorted(PROVINCES, key=lambda x: x["id"])
        ],
        "districts": [
            {
                "code": f"{d['id']:03d}",
                "province": str(d["province_id"]),
                "name_en": d["name"],
                "name_ne": d["name_ne"],
            }
            for d in sorted(DISTRICTS, key=lambda x: x["id"])
        ],
        "local_levels": local_levels,
    }
    out.write_text(to_json_lines(data), encoding="utf-8")
    print(f"wrote {out}: {len(data['provinces'])} provinces, {len(data['districts'])} districts, "
          f"{len(local_levels)} local levels, {sum(l['wards'] for l in local_levels)} wards")
    return 0


if __name__ == "__main__":
    sys.exit(main())
