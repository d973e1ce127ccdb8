package synth

// town is a cluster centre of the synthetic workload.
type town struct {
	name string
	lon  float64 // degrees east
	lat  float64 // degrees north
	// sigmaKm is the standard deviation of the Gaussian spread of incidents
	// around the centre: larger for big cities.
	sigmaKm float64
}

// towns are the 30 cluster centres, [lon, lat]. The first 24 are the cities
// and towns of the project's gazetteer, shared/data/gazetteer.csv (its lat
// and lon columns, in this order). The last six are well-known Syrian towns the gazetteer does not
// list; their coordinates are approximate (to about 0.01 degree), which is
// all a benchmark workload needs.
var towns = [...]town{
	{"Damascus", 36.29194, 33.51306, 8},
	{"Palmyra", 38.26722, 34.56, 4},
	{"Al-Hasakah", 40.74222, 36.51167, 5},
	{"Al-Shaddadi", 40.7303, 36.0561, 3},
	{"Deir ez-Zor", 40.15, 35.333, 6},
	{"Raqqa", 39.0167, 35.95, 6},
	{"Aleppo", 37.167, 36.217, 8},
	{"Homs", 36.70944, 34.73083, 6},
	{"Daraa", 36.1, 32.617, 5},
	{"Suwayda", 36.56667, 32.7125, 4},
	{"Qamishli", 41.231422, 37.052152, 4},
	{"Al-Bab", 37.5178, 36.3725, 3},
	{"Jarabulus", 38.0111, 36.8175, 3},
	{"Ras al-Ain", 40.0706, 36.8503, 3},
	{"Tel Abyad", 38.95667, 36.6975, 3},
	{"Idlib", 36.633, 35.933, 5},
	{"Al-Sukhnah", 38.872083, 34.886806, 4},
	{"Jazal", 37.998611, 34.650556, 3},
	{"Al-Baghouz", 40.95056, 34.45861, 3},
	{"Abu Kamal", 40.93667, 34.45361, 4},
	{"Mayadin", 40.45333, 35.01833, 4},
	{"Manbij", 37.95472, 36.52806, 4},
	{"Kobani", 38.353471, 36.890952, 3},
	{"Tabqa", 38.54806, 35.83667, 3},
	// Not in the gazetteer; approximate.
	{"Hama", 36.75, 35.13, 6},
	{"Latakia", 35.79, 35.52, 5},
	{"Tartus", 35.89, 34.89, 4},
	{"Afrin", 36.87, 36.51, 3},
	{"Azaz", 37.05, 36.59, 3},
	{"Maarat al-Numan", 36.68, 35.64, 3},
}
