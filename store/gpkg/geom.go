package gpkg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// srsWGS84 is the srs_id of every geometry the store writes: EPSG:4326,
// [lon, lat] in degrees.
const srsWGS84 = 4326

// GeoPackage binary header flags (GeoPackage 1.3, clause 2.1.3.1.1): bit 0 is
// the byte order (1 = little endian), bits 1-3 the envelope contents code.
const (
	flagLittleEndian = 0x01
	envelopeNone     = 0 << 1
	envelopeXY       = 1 << 1
	flagEmpty        = 0x10
)

// encodeGeometry returns g as a GeoPackage geometry blob: "GP", version 0,
// flags, srs_id, envelope, then ISO WKB, all little endian. Points carry no
// envelope and everything else an xy envelope [minx, maxx, miny, maxy], which
// is what GDAL writes.
func encodeGeometry(g orb.Geometry) ([]byte, error) {
	body, err := wkb.Marshal(g, binary.LittleEndian)
	if err != nil {
		return nil, err
	}
	_, point := g.(orb.Point)
	n := 8
	if !point {
		n += 32
	}
	b := make([]byte, n, n+len(body))
	b[0], b[1], b[2] = 'G', 'P', 0
	b[3] = flagLittleEndian | envelopeXY
	if point {
		b[3] = flagLittleEndian | envelopeNone
	}
	binary.LittleEndian.PutUint32(b[4:], srsWGS84)
	if !point {
		bd := g.Bound()
		for i, v := range []float64{bd.Min[0], bd.Max[0], bd.Min[1], bd.Max[1]} {
			binary.LittleEndian.PutUint64(b[8+8*i:], math.Float64bits(v))
		}
	}
	return append(b, body...), nil
}

// envelopeSizes maps the envelope contents code to its size in bytes.
var envelopeSizes = [...]int{0, 32, 48, 48, 64}

// errBlob reports a value that is not a GeoPackage geometry blob.
var errBlob = errors.New("gpkg: not a GeoPackage geometry blob")

// parseHeader checks a GeoPackage geometry blob's header and returns its
// envelope (ok false when it has none) and the WKB that follows. It accepts
// either byte order, since files edited by other tools may use big endian.
func parseHeader(b []byte) (env orb.Bound, ok bool, body []byte, err error) {
	if len(b) < 8 || b[0] != 'G' || b[1] != 'P' || b[2] != 0 {
		return orb.Bound{}, false, nil, errBlob
	}
	flags := b[3]
	code := int(flags>>1) & 0x07
	if code >= len(envelopeSizes) {
		return orb.Bound{}, false, nil, fmt.Errorf("%w: envelope code %d", errBlob, code)
	}
	size := envelopeSizes[code]
	if len(b) < 8+size {
		return orb.Bound{}, false, nil, fmt.Errorf("%w: truncated envelope", errBlob)
	}
	var order binary.ByteOrder = binary.BigEndian
	if flags&flagLittleEndian != 0 {
		order = binary.LittleEndian
	}
	if size > 0 && flags&flagEmpty == 0 {
		f := func(i int) float64 { return math.Float64frombits(order.Uint64(b[8+8*i:])) }
		env = orb.Bound{Min: orb.Point{f(0), f(2)}, Max: orb.Point{f(1), f(3)}}
		ok = true
	}
	return env, ok, b[8+size:], nil
}

// blobBound returns the [lon, lat] bounding box of a GeoPackage geometry
// blob: its envelope when it has one, otherwise that of its decoded WKB (a
// point has no envelope).
func blobBound(b []byte) (orb.Bound, error) {
	env, ok, body, err := parseHeader(b)
	if err != nil || ok {
		return env, err
	}
	g, err := wkb.Unmarshal(body)
	if err != nil {
		return orb.Bound{}, err
	}
	return g.Bound(), nil
}
