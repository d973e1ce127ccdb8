package synth

import (
	"math/rand/v2"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// TileTourLength is the number of tiles in TileTour.
const TileTourLength = 500

// TileTour is the fixed tour of the tile benchmarks (issue 14): the 500
// Web Mercator tiles a map over Syria asks for while it pans and zooms
// from 5 to 14 and back: views of the 3×3 tiles around their centre plus
// one more, at zooms 5, 6, ..., 14, 5, ..., the centre a seeded random walk
// over Syria's bound ([lon, lat] 36..42, 32.5..37.3). The same tour every
// time: the in-process benchmark (server) and the load run over HTTP
// (cmd/loadgen -suite tiles) serve the same tiles.
func TileTour() []maptile.Tile {
	rng := rand.New(rand.NewPCG(2026, 14))
	var tiles []maptile.Tile
	center := orb.Point{38.5, 35}
	for view := 0; len(tiles) < TileTourLength; view++ {
		z := maptile.Zoom(5 + view%10)
		center = orb.Point{
			min(max(center[0]+(rng.Float64()-0.5)*2/float64(int(z)-4), 36), 42),
			min(max(center[1]+(rng.Float64()-0.5)*2/float64(int(z)-4), 32.5), 37.3),
		}
		c := maptile.At(center, z)
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 2 && len(tiles) < TileTourLength; dx++ {
				if dx == 2 && dy != 0 {
					continue
				}
				tiles = append(tiles, maptile.New(uint32(int(c.X)+dx), uint32(int(c.Y)+dy), z))
			}
		}
	}
	return tiles
}
