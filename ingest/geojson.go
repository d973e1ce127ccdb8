package ingest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/frontline-maps/frontline/geo"
)

// ReadGeoJSON reads a GeoJSON FeatureCollection of zones, incidents or sites
// in Frontline's schema (what export writes; see the geo package's codec),
// one feature at a time, and emits each valid feature. A file may mix kinds:
// each feature's kind is told from its properties: "date" makes an
// incident, "valid_from", "valid_to" or "circle" a zone, "kind" a site.
// Zones are normalised (RFC 7946 ring orientation) before they are emitted.
//
// A feature that cannot be decoded or fails validation (or, with
// Options.KnownActors, names an actor ID not among Options.Actors) is
// rejected, with the line it starts on and the property path (such as
// "properties.date"). Malformed JSON ends the stream, since it cannot be
// resynchronised: the features before it are reported as usual and the
// error is returned.
func ReadGeoJSON(ctx context.Context, r io.Reader, opts Options, emit func(Record) error) (*Report, error) {
	rep := &Report{Rows: []Rejection{}}
	var emitErr error
	n := 0
	ids := make(map[geo.ActorID]bool, len(opts.Actors))
	for _, a := range opts.Actors {
		ids[a.ID] = true
	}
	known := func(id geo.ActorID) bool { return ids[id] }
	// Features are decoded and checked on every core, in batches, and
	// reported and emitted here in file order.
	type batch struct {
		raws  []json.RawMessage
		lines []int
		recs  []Record
		errs  []error
		done  chan struct{}
	}
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *batch, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range work {
				b.recs, b.errs = make([]Record, len(b.raws)), make([]error, len(b.raws))
				for i, raw := range b.raws {
					rec, err := decodeFeature(raw)
					if err == nil && opts.KnownActors {
						err = rec.checkActors(known)
					}
					b.recs[i], b.errs[i] = rec, err
				}
				close(b.done)
			}
		})
	}
	// pending holds the batches handed out and not yet emitted, in order.
	var pending []*batch
	// flush emits the first pending batch once it is decoded.
	flush := func() error {
		b := pending[0]
		pending = pending[1:]
		<-b.done
		for i, err := range b.errs {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			if err != nil {
				rep.reject(featureRejection(b.lines[i], err))
				continue
			}
			b.recs[i].Line = b.lines[i]
			if emitErr = emit(b.recs[i]); emitErr != nil {
				return emitErr
			}
			rep.Accepted++
		}
		return nil
	}
	cur := &batch{done: make(chan struct{})}
	send := func() error {
		pending = append(pending, cur)
		work <- cur
		cur = &batch{done: make(chan struct{})}
		if len(pending) > 2*workers {
			return flush()
		}
		return nil
	}
	err := geo.ReadFeatures(r, func(_, line int, raw json.RawMessage) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		n++
		if n%ProgressEvery == 0 && opts.Progress != nil {
			opts.Progress(Progress{Rows: n, Rejected: rep.Rejected})
		}
		cur.raws, cur.lines = append(cur.raws, raw), append(cur.lines, line)
		if len(cur.raws) == geoJSONBatch {
			return send()
		}
		return nil
	})
	if err == nil && len(cur.raws) > 0 {
		err = send()
	} else if len(cur.raws) > 0 {
		// The features read before a malformed one are reported as usual.
		pending = append(pending, cur)
		work <- cur
	}
	var ferr error
	for ferr == nil && emitErr == nil && len(pending) > 0 {
		ferr = flush()
	}
	close(work)
	wg.Wait()
	if opts.Progress != nil {
		opts.Progress(Progress{Rows: n, Rejected: rep.Rejected})
	}
	if emitErr != nil {
		return rep, emitErr
	}
	err = cmp.Or(ferr, err)
	if err != nil {
		return rep, err
	}
	return rep, nil
}

// geoJSONBatch is how many features ReadGeoJSON hands a worker at once.
const geoJSONBatch = 256

// checkActors checks the actor IDs of a zone or an incident with known.
func (r Record) checkActors(known func(geo.ActorID) bool) error {
	switch {
	case r.Zone != nil:
		return r.Zone.CheckActors(known)
	case r.Incident != nil:
		return r.Incident.CheckActors(known)
	}
	return nil
}

// decodeFeature decodes and validates one feature of any kind.
func decodeFeature(raw json.RawMessage) (Record, error) {
	// Nearly every feature of an import is an incident: decode it as one
	// first. A decoded date says the properties had one ("date" does not
	// occur in JSON text but as a key), as the test below would find.
	if bytes.Contains(raw, []byte(`"date"`)) {
		var in geo.Incident
		if in.UnmarshalJSON(raw) == nil && in.Date != 0 {
			return Record{Incident: &in}, in.Validate()
		}
	}
	var head struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return Record{}, &geo.ValidationError{Field: "properties", Reason: "must be a JSON object"}
	}
	has := func(k string) bool { _, ok := head.Properties[k]; return ok }
	switch {
	case has("date"):
		var in geo.Incident
		if err := json.Unmarshal(raw, &in); err != nil {
			return Record{}, err
		}
		return Record{Incident: &in}, in.Validate()
	case has("valid_from") || has("valid_to") || has("circle"):
		var z geo.Zone
		if err := json.Unmarshal(raw, &z); err != nil {
			return Record{}, err
		}
		return Record{Zone: &z}, z.Normalize()
	case has("kind"):
		var s geo.Site
		if err := json.Unmarshal(raw, &s); err != nil {
			return Record{}, err
		}
		return Record{Site: &s}, s.Validate()
	}
	return Record{}, &geo.ValidationError{Field: "properties", Reason: `cannot tell the kind of record: an incident has "date", a zone "valid_from", a site "kind"`}
}

// featureRejection names the property path of a decoding or validation
// error. Validation fields are relative to properties except geometry and
// id.
func featureRejection(line int, err error) Rejection {
	var ve *geo.ValidationError
	if !errors.As(err, &ve) {
		return Rejection{Line: line, Reason: err.Error()}
	}
	col := ve.Field
	switch {
	case col == "", col == "id", col == "type", col == "properties",
		strings.HasPrefix(col, "geometry"), strings.HasPrefix(col, "properties."):
	default:
		col = "properties." + col
	}
	return Rejection{Line: line, Column: col, Reason: ve.Reason}
}
