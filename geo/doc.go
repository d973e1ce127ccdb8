// Package geo is Frontline's vocabulary and its rules: actors, control zones,
// incidents and sites, their validation, prepared geometries, and the
// in-memory Index that answers every spatial and temporal query.
//
// Conventions used throughout the package:
//
//   - Coordinates are [lon, lat] in WGS84 degrees (orb.Point{lon, lat}), as in
//     GeoJSON. Nothing here ever uses (lat, lon).
//   - Distances and radii are metres on the WGS84 ellipsoid (DistanceMeters,
//     Vincenty's method), as PostGIS's geography measures them, named with a
//     Meters suffix. The sphere (haversine) is only a prefilter.
//   - Dates are calendar days (Day), UTC, with no time of day. Intervals are
//     closed: both bounds are included.
//   - A point on the boundary of a polygon, or exactly at a circle's radius,
//     is inside.
//
// Each record kind has one codec (codec.go): GeoJSON (AppendGeoJSON, which
// MarshalJSON calls and the server streams with; UnmarshalJSON) and the
// stored form the stores keep (AppendBinary, UnmarshalBinary), both driven
// by the kind's field table. Adding a field to a record touches three
// places: the struct, one line of its kind's field table in codec.go, and
// its check in Validate (and docs/api.md, which documents the property).
// TestCodecCarriesEveryField fails when a field is left out of the table.
//
// The package does no I/O, reads no environment and does not log. Records are
// values; the Index is safe for concurrent use.
package geo
