// The incident layer's loading state, one object the page keeps as
// app.incidents. loadIncidents in app.js is its only writer; syncLayers
// and status read mode and shown.
//
// A load counts how many incidents match the filters (the key), fetches
// them all when there are at most CLIENT_MAX, else those in view, else the
// API's exact clusters of those in view; answers to a load that a later one
// overtook are dropped.
export function incidentState() {
  return {
    // seq numbers the loads; an answer whose load is not the latest is
    // dropped.
    seq: 0,
    // key is the filter query (window, type, actor, status, fatalities) that
    // total and all answer, as JSON; null before the first count.
    key: null,
    // total is how many incidents match key anywhere.
    total: 0,
    // all holds every matching feature once fetched (total <= CLIENT_MAX),
    // so panning refetches nothing; null until then or for a new key.
    all: null,
    // shown is how many incidents the layer shows, or the clusters count,
    // in view.
    shown: 0,
    // mode is what the layer shows: 'all' (every match as markers), 'view'
    // (the matches in view), 'clusters' (the API's clusters), or null
    // before the first load.
    mode: null,
  };
}
