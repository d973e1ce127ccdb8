package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// ReadFeatures reads a GeoJSON FeatureCollection from r one feature at a
// time and calls fn with each feature's index in "features", the 1-based line
// of r on which it starts, and its raw JSON. The collection is never held in
// memory whole, so a file of a million features reads in constant space
// (plus one feature). Members other than "type" and "features" are skipped.
//
// It returns the first error fn returns, unchanged, and a *ValidationError
// for input that is not a FeatureCollection: malformed JSON (with its byte
// offset and line, after which the stream cannot be resynchronised), a "type"
// other than "FeatureCollection", or no "features" array.
func ReadFeatures(r io.Reader, fn func(index, line int, raw json.RawMessage) error) error {
	cr := &lineCounter{r: r}
	dec := json.NewDecoder(cr)
	// line returns the line on which the value of n bytes that the decoder
	// has just consumed starts: lines read so far, less those still buffered
	// and those inside the value.
	line := func(value []byte) int {
		var buffered lineCounter
		io.Copy(&buffered, dec.Buffered()) // counts in place: Buffered is a bytes.Reader, a WriterTo
		return 1 + cr.lines - buffered.lines - bytes.Count(value, nl)
	}
	syntax := func(field string, err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return invalid(field, "malformed JSON at byte %d (line %d): %s", se.Offset, line(nil), cleanJSONErr(err))
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return invalid(field, "unexpected end of input")
		}
		return invalid(field, "%s", cleanJSONErr(err))
	}

	if t, err := dec.Token(); err != nil {
		return syntax("", err)
	} else if t != json.Delim('{') {
		return invalid("", "a FeatureCollection must be a JSON object")
	}
	sawFeatures := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return syntax("", err)
		}
		key, _ := t.(string)
		switch key {
		case "type":
			var typ string
			if err := dec.Decode(&typ); err != nil || typ != "FeatureCollection" {
				return invalid("type", "must be \"FeatureCollection\"")
			}
		case "features":
			if sawFeatures {
				return invalid("features", "appears twice")
			}
			sawFeatures = true
			if t, err := dec.Token(); err != nil {
				return syntax("features", err)
			} else if t != json.Delim('[') {
				return invalid("features", "must be an array")
			}
			for i := 0; dec.More(); i++ {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return syntax("features["+strconv.Itoa(i)+"]", err)
				}
				if err := fn(i, line(raw), raw); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return syntax("features", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return syntax(key, err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return syntax("", err)
	}
	if !sawFeatures {
		return invalid("features", "is required")
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("", "unexpected data after the FeatureCollection")
	}
	return nil
}

var nl = []byte{'\n'}

// lineCounter counts the newlines read through it, or written to it, so
// ReadFeatures can give line numbers without keeping the input.
type lineCounter struct {
	r     io.Reader
	lines int
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.lines += bytes.Count(p[:n], nl)
	return n, err
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.lines += bytes.Count(p, nl)
	return len(p), nil
}
