#!/usr/bin/env python3
"""Convert the shared gazetteer into Frontline Site features.

Usage (from the repository root):
    python3 data/tools/sites.py ../shared/data/gazetteer.csv data/boundaries/governorates.geojson data/sites.geojson

One site per gazetteer row: id = slug of the name; kind = the row's kind (the
gazetteer already uses Frontline's site kinds); name_ar = the first Arabic
entry of alt_names, alt_names = the others; point = [lon, lat] copied from the
row unchanged; governorate = the row's admin1 (OCHA spelling); sources = the
row's source_url; notes = the row's notes. The script also computes the OCHA
governorate by point-in-polygon and appends a note when it differs from admin1
(border points such as Ras al-Ain and the Al-Waleed crossing). Standard library
only.
"""
import csv
import json
import re
import sys
from urllib.parse import urlparse

KINDS = {"city", "town", "prison", "camp", "base", "oil_field", "gas_field", "border_crossing",
         "mountain", "region", "dam", "airport"}
ARABIC = re.compile(r"[\u0600-\u06FF]")


def slug(s):
    s = s.lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def publisher(url):
    host = urlparse(url).netloc
    if host.endswith("wikipedia.org"):
        lang = host.split(".")[0]
        names = {"en": "", "simple": " (Simple English)", "sco": " (Scots)", "nn": " (Nynorsk)", "ar": " (Arabic)"}
        return "Wikipedia" + names.get(lang, f" ({lang})")
    return {"ucdp.uu.se": "UCDP Georeferenced Event Dataset",
            "www.straitstimes.com": "The Straits Times (Reuters)",
            "pledgetimes.com": "Pledge Times (relaying Sky News Arabia)"}.get(host, host)


def in_ring(pt, ring):
    x, y = pt
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def in_polygon(pt, poly):
    return in_ring(pt, poly[0]) and not any(in_ring(pt, h) for h in poly[1:])


def governorate(pt, govs):
    hits = []
    for g in govs:
        geom = g["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        if any(in_polygon(pt, p) for p in polys):
            hits.append(g["properties"]["name"])
    return hits


def main(gaz, govfile, out):
    govs = json.load(open(govfile, encoding="utf-8"))["features"]
    feats, seen = [], set()
    for row in csv.DictReader(open(gaz, encoding="utf-8")):
        if row["kind"] not in KINDS:
            sys.exit(f"{row['name']}: unknown kind {row['kind']}")
        sid = slug(row["name"])
        if sid in seen:
            sys.exit(f"duplicate id {sid}")
        seen.add(sid)
        alts = [a.strip() for a in row["alt_names"].split(";") if a.strip()]
        ar = [a for a in alts if ARABIC.search(a)]
        name_ar = ar[0] if ar else ""
        alt = [a for a in alts if a != name_ar]
        pt = [float(row["lon"]), float(row["lat"])]
        notes = row["notes"]
        pip = governorate(pt, govs)
        if pip != [row["admin1"]]:
            where = pip[0] if pip else "no OCHA governorate (outside the OCHA Syria outline)"
            notes += f". Point-in-polygon on the OCHA governorates gives {where}; governorate kept as the gazetteer's admin1."
        props = {"name": row["name"]}
        if name_ar:
            props["name_ar"] = name_ar
        if alt:
            props["alt_names"] = alt
        props.update({
            "kind": row["kind"],
            "governorate": row["admin1"],
            "sources": [{"publisher": publisher(row["source_url"]), "url": row["source_url"],
                         "note": "source of the coordinates and facts of this site; see notes"}],
            "notes": notes,
        })
        feats.append({"type": "Feature", "id": sid, "geometry": {"type": "Point", "coordinates": pt},
                      "properties": props})
    with open(out, "w", encoding="utf-8") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        f.write(",\n".join(json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in feats))
        f.write("\n]}\n")
    print(f"{out}: {len(feats)} sites", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
