"""Make `data/geography/england_regions.geojson` from a TopoJSON of NUTS 1 areas (England's nine regions).

    python tools/topojson_regions.py TOPO_NUTS1.json data/geography/england_regions.geojson

What it does (see data/geography/README.md for the source and licence):
- decodes the TopoJSON arcs (quantised, delta-encoded, then scaled by the file's `transform`);
- simplifies each shared arc once (Douglas-Peucker, ends fixed), so neighbouring regions keep a common edge;
- drops islands smaller than MIN_ISLAND_DEG2 square degrees;
- rounds coordinates to DP decimal places (about 10 m) and removes repeated points;
- writes rings in RFC 7946 order (outer ring anticlockwise, holes clockwise);
- keeps only England's regions, matched by name to the ONS region codes in data/ons_geography_codes.csv
  (NUTS 1 UKC-UKK are the nine regions; UKL Wales, and anything else, is dropped).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

TOLERANCE_DEG = 0.004  # Douglas-Peucker tolerance: about 300-450 m
MIN_ISLAND_DEG2 = 0.0015  # smaller separate pieces (rocks, sandbanks, small islands) are dropped
DP = 4
CODES_FILE = Path(__file__).resolve().parent.parent / "data" / "ons_geography_codes.csv"

Point = tuple[float, float]


def decode_arcs(topology: dict) -> list[list[Point]]:
    transform = topology.get("transform")
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(x), float(y)) for x, y, *_ in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points: list[Point] = []
        for dx, dy, *_ in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _distance(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return ((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker with both ends kept (iterative, so long coastlines do not exhaust the stack)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, -1
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if index >= 0 and best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def ring_from_arcs(indexes: list[int], arcs: list[list[Point]]) -> list[Point]:
    ring: list[Point] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        ring.extend(arc if not ring else arc[1:])
    return ring


def signed_area(ring: list[Point]) -> float:
    """Shoelace area: positive when the ring runs anticlockwise."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def clean(ring: list[Point]) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in ring:
        point = [round(x, DP), round(y, DP)]
        if not out or out[-1] != point:
            out.append(point)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out


def polygons(geometry: dict, arcs: list[list[Point]]) -> list[list[list[list[float]]]]:
    parts = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    out = []
    for part in parts:
        rings = [clean(ring_from_arcs(r, arcs)) for r in part]
        rings = [r for r in rings if len(r) >= 4]
        if not rings or abs(signed_area(rings[0])) < MIN_ISLAND_DEG2:
            continue
        outer = rings[0] if signed_area(rings[0]) > 0 else rings[0][::-1]
        holes = [r if signed_area(r) < 0 else r[::-1] for r in rings[1:] if abs(signed_area(r)) >= MIN_ISLAND_DEG2]
        out.append([outer, *holes])
    return out


def region_codes() -> dict[str, str]:
    with CODES_FILE.open(encoding="utf-8") as handle:
        return {row["name"]: row["code"] for row in csv.DictReader(handle) if row["code"].startswith("E12")}


def region_name(nuts_name: str) -> str:
    """'North East (England)' -> 'North East'; the source spells one 'South West (England' (no bracket)."""
    return nuts_name.split(" (England")[0].strip()


def convert(topology: dict) -> dict:
    arcs = [simplify(a, TOLERANCE_DEG) for a in decode_arcs(topology)]
    codes = region_codes()
    features = []
    for obj in topology["objects"].values():
        for geometry in obj["geometries"]:
            props = geometry.get("properties", {})
            name = region_name(str(props.get("NUTS112NM", "")))
            if name not in codes:
                continue
            shapes = polygons(geometry, arcs)
            features.append(
                {
                    "type": "Feature",
                    "id": codes[name],
                    "properties": {"code": codes[name], "name": name, "nuts1": props.get("NUTS112CD")},
                    "geometry": {"type": "MultiPolygon", "coordinates": shapes},
                }
            )
    features.sort(key=lambda f: f["id"])
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    collection = convert(json.loads(Path(argv[0]).read_text(encoding="utf-8")))
    Path(argv[1]).parent.mkdir(parents=True, exist_ok=True)
    Path(argv[1]).write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    points = sum(len(r) for f in collection["features"] for p in f["geometry"]["coordinates"] for r in p)
    print(f"{len(collection['features'])} regions, {points} points -> {argv[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
