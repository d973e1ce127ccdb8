package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// This file streams GeoJSON FeatureCollections: the collection's framing
// (header, links, numberMatched, flushing) around features that each
// record's own codec writes (geo's AppendGeoJSON). The buffer goes to the
// connection whenever it holds 64 KiB, so memory stays flat however many
// features a response has.

// encodeBufferSize is how many bytes a featureWriter holds before writing
// them to its destination: large enough that writes to the connection are
// few, small enough to be negligible per request.
const encodeBufferSize = 64 << 10

// errWriterState is returned when featureWriter methods are called out of
// order (a feature before Begin or after Close, Begin twice).
var errWriterState = errors.New("server: featureWriter used out of order")

// feature is a value written as one GeoJSON Feature: geo's records.
type feature interface {
	AppendGeoJSON(b []byte) []byte
}

// link is a web link of OGC API documents (RFC 8288 in JSON): Href is an
// absolute or root-relative URL, Rel its relation ("self", "next",
// "alternate", ...), Type its media type and Title a label.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
	// Templated marks an href with {parameters} (OGC API – Tiles).
	Templated bool `json:"templated,omitempty"`
}

// collectionHeader holds the members of a FeatureCollection other than
// its features, as OGC API – Features names them, plus the dataset version
// so that a response says which data it reflects.
type collectionHeader struct {
	// NumberMatched is how many features match the query before paging;
	// negative leaves it out (unknown).
	NumberMatched int
	// NumberReturned is how many features the document holds. Close fails
	// if a different number was written, because the document would lie.
	NumberReturned int
	// TimeStamp is when the answer was valid, written as RFC 3339 UTC to the
	// second; the zero time leaves it out. Pass the dataset's time, not the
	// clock's, if the same URL must give the same bytes.
	TimeStamp time.Time
	// DatasetVersion identifies the data answered from, written as
	// "datasetVersion"; "" leaves it out.
	DatasetVersion string
	// Links are written as "links"; none leaves it out.
	Links []link
}

// writerState is where a featureWriter is in the document.
type writerState uint8

const (
	stateNew      writerState = iota // nothing written
	stateFeatures                    // header written, features may follow
	stateClosed                      // document complete
)

// featureWriter streams one GeoJSON FeatureCollection to an io.Writer:
// Begin, then Write for each feature, then Close. The first error is
// sticky: every later call returns it and writes nothing. A featureWriter
// is not safe for concurrent use.
type featureWriter struct {
	dst      io.Writer
	buf      []byte // bytes not yet written to dst
	state    writerState
	expected int // NumberReturned announced by Begin
	written  int // features written
	err      error
	// lead is the members the next feature starts with, before "type"
	// (see leadDistance); empty for none.
	lead []byte
	// keep, when not nil, is the properties each feature keeps (the
	// "properties" parameter); the others are left out.
	keep []string
}

// featureWriters keeps released featureWriters and their buffers for
// later responses.
var featureWriters = sync.Pool{New: func() any { return &featureWriter{} }}

// newFeatureWriter returns a featureWriter that buffers up to 64 KiB before
// writing to w. Call release when done with it.
func newFeatureWriter(w io.Writer) *featureWriter {
	fw := featureWriters.Get().(*featureWriter)
	fw.dst = w
	return fw
}

// release resets fw and keeps it for a later newFeatureWriter; fw must not
// be used after. A buffer a large feature grew past twice encodeBufferSize
// is dropped.
func (fw *featureWriter) release() {
	buf := fw.buf[:0]
	if cap(buf) > 2*encodeBufferSize {
		buf = nil
	}
	*fw = featureWriter{buf: buf, lead: fw.lead[:0]}
	featureWriters.Put(fw)
}

// header is the JSON of a collectionHeader's members, as Begin writes them.
type header struct {
	Type           string `json:"type"`
	NumberMatched  *int   `json:"numberMatched,omitempty"`
	NumberReturned int    `json:"numberReturned"`
	TimeStamp      string `json:"timeStamp,omitempty"`
	DatasetVersion string `json:"datasetVersion,omitempty"`
	Links          []link `json:"links,omitempty"`
}

// Begin writes the collection's opening and the members of h, and opens
// the "features" array. It returns errWriterState if called twice, and any
// write error.
func (fw *featureWriter) Begin(h collectionHeader) error {
	if fw.err == nil && fw.state != stateNew {
		fw.err = errWriterState
	}
	if fw.err != nil {
		return fw.err
	}
	hd := header{Type: "FeatureCollection", NumberReturned: h.NumberReturned,
		DatasetVersion: h.DatasetVersion, Links: h.Links}
	if h.NumberMatched >= 0 {
		hd.NumberMatched = &h.NumberMatched
	}
	if !h.TimeStamp.IsZero() {
		hd.TimeStamp = h.TimeStamp.UTC().Format(time.RFC3339)
	}
	j, err := json.Marshal(hd)
	if err != nil {
		fw.err = err
		return err
	}
	fw.buf = append(append(fw.buf, j[:len(j)-1]...), `,"features":[`...)
	fw.state, fw.expected = stateFeatures, h.NumberReturned
	return fw.spill()
}

// spill writes the buffer to the destination once it holds
// encodeBufferSize bytes, and returns the sticky error.
func (fw *featureWriter) spill() error {
	if len(fw.buf) >= encodeBufferSize {
		return fw.writeBuffer()
	}
	return nil
}

// writeBuffer writes the buffer, if not empty, to the destination and
// empties it. The buffer keeps its capacity.
func (fw *featureWriter) writeBuffer() error {
	if len(fw.buf) == 0 {
		return nil
	}
	_, fw.err = fw.dst.Write(fw.buf)
	fw.buf = fw.buf[:0]
	return fw.err
}

// leadDistance makes the next feature start with the foreign member
// "distance_m": meters, to the centimetre, as GET /api/nearest writes it.
func (fw *featureWriter) leadDistance(meters float64) {
	b := append(fw.lead[:0], `"distance_m":`...)
	b = strconv.AppendFloat(b, float64(int64(meters*100+0.5))/100, 'f', -1, 64)
	fw.lead = append(b, ',')
}

// Write appends f as the next feature. It returns the sticky error, or
// errWriterState outside Begin and Close.
func (fw *featureWriter) Write(f feature) error {
	if fw.err == nil && fw.state != stateFeatures {
		fw.err = errWriterState
	}
	if fw.err != nil {
		return fw.err
	}
	b := fw.buf
	if fw.written > 0 {
		b = append(b, ',')
	}
	start := len(b)
	b = f.AppendGeoJSON(b)
	if len(fw.lead) > 0 {
		// The members go after the feature's opening brace.
		b = append(b, fw.lead...)
		copy(b[start+1+len(fw.lead):], b[start+1:len(b)-len(fw.lead)])
		copy(b[start+1:], fw.lead)
		fw.lead = fw.lead[:0]
	}
	if fw.keep != nil {
		b = append(b[:start], selectProperties(b[start:], fw.keep)...)
	}
	fw.buf = b
	fw.written++
	return fw.spill()
}

// Flush writes buffered bytes to the underlying writer and, when that is an
// http.Flusher, flushes it too, so a client sees the features so far. Call
// it every few thousand features on a slow query; it returns the sticky
// error.
func (fw *featureWriter) Flush() error {
	if fw.err != nil || fw.writeBuffer() != nil {
		return fw.err
	}
	if f, ok := fw.dst.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

// Close ends the features array and the collection with a newline, and
// flushes the buffer. It returns the sticky error, errWriterState when
// Begin was not called or Close was, and an error when the number of
// features written differs from the header's NumberReturned.
func (fw *featureWriter) Close() error {
	if fw.err == nil && fw.state != stateFeatures {
		fw.err = errWriterState
	}
	if fw.err != nil {
		return fw.err
	}
	fw.state = stateClosed
	fw.buf = append(fw.buf, "]}\n"...)
	if fw.writeBuffer() != nil {
		return fw.err
	}
	if fw.written != fw.expected {
		fw.err = fmt.Errorf("server: wrote %d features after announcing numberReturned %d", fw.written, fw.expected)
	}
	return fw.err
}
