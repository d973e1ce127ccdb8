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
	lc := &lineCounter{r: r}
	dec := json.NewDecoder(lc)
	// line returns the line on which the value the decoder has just
	// consumed starts: raw is its exact bytes, so it starts len(raw)
	// bytes before the decoder's offset.
	line := func(raw []byte) int {
		return lc.lineAt(dec.InputOffset() - int64(len(raw)))
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

// lineCounter notes the offsets of the newlines read through it, so
// ReadFeatures can give line numbers without keeping the input. It keeps
// only the newlines past the last offset asked for (those of the decoder's
// read-ahead and of the value being read), so each byte is looked at once
// on the way in and each newline once on the way out: the work is linear
// in the input, whatever the sizes of its features.
type lineCounter struct {
	r io.Reader
	// read is how many bytes were read through; pending the offsets of
	// the newlines among them not yet passed by lineAt, ascending; passed
	// how many newlines lineAt has passed.
	read    int64
	pending []int64
	passed  int
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := 0, p[:n]; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			break
		}
		c.pending = append(c.pending, c.read+int64(i+j))
		i += j + 1
	}
	c.read += int64(n)
	return n, err
}

// lineAt returns the 1-based line of byte offset off of the input. The
// offsets asked for must not decrease from call to call.
func (c *lineCounter) lineAt(off int64) int {
	i := 0
	for i < len(c.pending) && c.pending[i] < off {
		i++
	}
	c.passed += i
	c.pending = c.pending[i:]
	return 1 + c.passed
}
