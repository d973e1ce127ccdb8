// Clustering in the browser, for the few thousand incidents the page holds
// at most (incidents.js MARKERS): the points fall into square cells of the
// map's pixel grid at the current zoom, as the API's clusters fall into its
// 64-pixel cells. A cell of one point shows the point; a cell of more shows
// their count. Every point is in exactly one cell, so the counts add up to
// the points. No DOM, no Leaflet: a pure function the tests call directly.

// CELL_PX is the side of a browser cluster cell in pixels: wide enough
// that symbols (up to 34 px) in different cells seldom overlap.
export const CELL_PX = 40;

// gridCells groups points, each [x, y] in pixels of the map's world pixel
// grid at one zoom (Leaflet's map.project), into cells of cell pixels:
// cell (i, j) holds the points with floor(x / cell) = i and
// floor(y / cell) = j. It returns the non-empty cells, in the order of
// their first point, each as { members } (the points' indexes, in
// order).
export function gridCells(points, cell = CELL_PX) {
  const cells = new Map();
  points.forEach(([x, y], i) => {
    const key = `${Math.floor(x / cell)},${Math.floor(y / cell)}`;
    const c = cells.get(key);
    if (c) c.members.push(i); else cells.set(key, { members: [i] });
  });
  return [...cells.values()];
}
