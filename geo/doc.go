// Package geo is Frontline's vocabulary and its rules: actors, control zones,
// incidents and sites, their validation, prepared geometries, and the
// in-memory Index that answers every spatial and temporal query.
//
// Conventions used throughout the package:
//
//   - Coordinates are [lon, lat] in WGS84 degrees (orb.Point{lon, lat}), as in
//     GeoJSON. Nothing here ever uses (lat, lon).
//   - Distances and radii are metres on a sphere of radius orbgeo.EarthRadius
//     (haversine), named with a Meters suffix.
//   - Dates are calendar days (Day), UTC, with no time of day. Intervals are
//     closed: both bounds are included.
//   - A point on the boundary of a polygon, or exactly at a circle's radius,
//     is inside.
//
// The package does no I/O, reads no environment and does not log. Records are
// values; the Index is safe for concurrent use.
package geo
