// Package data holds Frontline's curated Syria dataset: actors, control
// zones at dated snapshots, incidents drawn from cited reports, sites from the
// gazetteer, cited statistics, and country and governorate boundaries. The
// files are embedded so that `frontline serve` runs with no flags; README.md
// describes each file's provenance and licence.
package data

import (
	"embed"
	"io/fs"
)

//go:embed *.json *.geojson boundaries/*.geojson
var files embed.FS

// FS returns the dataset rooted at this directory: actors.json,
// zones.geojson, incidents.geojson, sites.geojson, statistics.json and
// boundaries/*.geojson, in the layout that `frontline serve --data DIR` reads.
func FS() fs.FS { return files }
