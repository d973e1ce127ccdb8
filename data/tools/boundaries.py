#!/usr/bin/env python3
"""Convert the shared Syria boundary files into Frontline Boundary features.

Usage (from the repository root):
    python3 data/tools/boundaries.py ../shared/data/boundaries data/boundaries

Reads syria-governorates-ocha.geojson, syria-country-ocha.geojson and
neighbours-ne10m.geojson and writes governorates.geojson, country.geojson and
neighbours.geojson. Geometry is copied unchanged (no simplification, no
rounding); the script only checks that every ring is closed, has at least 4
positions, and that exterior rings are counter-clockwise and holes clockwise
(RFC 7946), and reverses a ring only if its orientation is wrong (reported).
Standard library only.
"""
import json
import os
import sys

OCHA = ("United Nations Cartographic Section (UNCS) and UN OCHA, Syrian Arab Republic - "
        "Subnational Administrative Boundaries (COD-AB, layer {layer}, cod_date {cod}, valid_on {valid}), "
        "via HDX https://data.humdata.org/dataset/syrian-arab-republic-administrative-boundaries-populated-places; "
        "CC BY 3.0 IGO. The boundaries and names shown do not imply official endorsement or acceptance by the United Nations.")
NE = ("Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com "
      "(Admin 1 - States, Provinces 1:10m, dissolved per country; public domain). Arabic name added by Frontline.")

NEIGHBOUR_AR = {"IL": "إسرائيل", "PS": "فلسطين", "LB": "لبنان", "TR": "تركيا", "IQ": "العراق", "JO": "الأردن"}

fixed = 0


def signed_area(ring):
    s = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        s += x1 * y2 - x2 * y1
    return s / 2


def check_polygon(poly, what):
    global fixed
    out = []
    for i, ring in enumerate(poly):
        if len(ring) < 4:
            sys.exit(f"{what}: ring {i} has {len(ring)} positions")
        if ring[0] != ring[-1]:
            sys.exit(f"{what}: ring {i} is not closed")
        a = signed_area(ring)
        if a == 0:
            sys.exit(f"{what}: ring {i} encloses no area")
        if (i == 0) != (a > 0):
            print(f"{what}: ring {i} reversed to RFC 7946 orientation", file=sys.stderr)
            ring = list(reversed(ring))
            fixed += 1
        out.append(ring)
    return out


def check_geometry(g, what):
    if g["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": check_polygon(g["coordinates"], what)}
    if g["type"] == "MultiPolygon":
        return {"type": "MultiPolygon",
                "coordinates": [check_polygon(p, f"{what}[{j}]") for j, p in enumerate(g["coordinates"])]}
    sys.exit(f"{what}: unexpected geometry {g['type']}")


def write(path, feats):
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        f.write(",\n".join(json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in feats))
        f.write("\n]}\n")
    print(f"{path}: {len(feats)} features", file=sys.stderr)


def feature(fid, name, name_ar, level, geom, source):
    return {"type": "Feature", "id": fid, "geometry": geom,
            "properties": {"name": name, "name_ar": name_ar, "level": level, "source": source}}


def main(src, dst):
    os.makedirs(dst, exist_ok=True)
    load = lambda n: json.load(open(os.path.join(src, n), encoding="utf-8"))["features"]

    govs = []
    for ft in load("syria-governorates-ocha.geojson"):
        p = ft["properties"]
        govs.append(feature(p["adm1_pcode"], p["adm1_en"], p["adm1_ar"], "governorate",
                            check_geometry(ft["geometry"], p["adm1_pcode"]),
                            OCHA.format(layer="syr_admbnda_adm1_uncs_unocha", cod=p["cod_date"], valid=p["valid_on"])))
    govs.sort(key=lambda f: f["id"])
    write(os.path.join(dst, "governorates.geojson"), govs)

    (c,) = load("syria-country-ocha.geojson")
    p = c["properties"]
    write(os.path.join(dst, "country.geojson"),
          [feature(p["adm0_pcode"], "Syria", p["adm0_ar"], "country", check_geometry(c["geometry"], "SY"),
                   OCHA.format(layer="syr_admbnda_adm0_uncs_unocha", cod=p["cod_date"], valid=p["valid_on"])
                   + " Official name: " + p["adm0_en"] + ".")])

    nb = []
    for ft in load("neighbours-ne10m.geojson"):
        p = ft["properties"]
        src_note = NE + (" " + p["note"] + "." if p.get("note") else "")
        nb.append(feature(p["iso_a2"], p["name_en"], NEIGHBOUR_AR[p["iso_a2"]], "country",
                          check_geometry(ft["geometry"], p["iso_a2"]), src_note))
    nb.sort(key=lambda f: f["id"])
    write(os.path.join(dst, "neighbours.geojson"), nb)
    print(f"rings reversed: {fixed}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
