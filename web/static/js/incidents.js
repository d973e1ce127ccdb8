// The incident layer's loading state, one object the page keeps as
// app.incidents. loadIncidents in app.js is its only writer; syncLayers
// and status read mode and shown.
//
// A load asks the API for the exact clusters of the incidents matching the
// filters (the key) in the view grown by a quarter (the box); when the box
// holds at most MARKERS, it fetches them instead and the browser draws and
// clusters them (grid.js). Answers to a load that a later one overtook are dropped.

// MARKERS is the most incidents the page draws as markers; a box holding
// more shows the API's clusters. The page benchmark's figures
// (docs/benchmarks.md, "The page at a million incidents") are for it.
export const MARKERS = 2000;

export function incidentState() {
  return {
    // seq numbers the loads; an answer whose load is not the latest is
    // dropped. done is the seq of the load shown.
    seq: 0,
    done: 0,
    // key is the filter query (window, type, actor, status, fatalities) of
    // the load shown, as JSON; null before the first.
    key: null,
    // box is the [west, south, east, north] the load shown covers, and zoom
    // the zoom its clusters were made for.
    box: null,
    zoom: null,
    // markers are the incident markers of a 'markers' load, each with its
    // feature; drawMarkers clusters them at each zoom.
    markers: [],
    // shown is how many incidents match key in box.
    shown: 0,
    // mode is what the layer shows: 'markers' (every match in box) or
    // 'clusters' (the API's clusters); null before the first load.
    mode: null,
  };
}
