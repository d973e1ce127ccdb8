package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
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
	// base is the offset in r of the decoder's input (negative while it
	// reads a prefix): the decoder is made anew after the features, which
	// splitter reads.
	var base int64
	// line returns the line on which the value the decoder has just
	// consumed starts: raw is its exact bytes, so it starts len(raw)
	// bytes before the decoder's offset.
	line := func(raw []byte) int {
		return lc.lineAt(base + dec.InputOffset() - int64(len(raw)))
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
			// The features are cut out of the stream by splitter, one scan
			// of each byte; the decoder takes the rest of the document.
			sp := &splitter{r: io.MultiReader(dec.Buffered(), lc), off: base + dec.InputOffset()}
			for i := 0; ; i++ {
				raw, start, more, err := sp.next(i == 0)
				if err == errEndAfterValue {
					if err := fn(i, lc.lineAt(start), raw); err != nil {
						return err
					}
					return invalid("features", "unexpected end of input")
				}
				if err != nil {
					field := "features[" + strconv.Itoa(i) + "]"
					if errors.Is(err, io.ErrUnexpectedEOF) {
						return invalid(field, "unexpected end of input")
					}
					return invalid(field, "malformed JSON at byte %d (line %d): %v", sp.off, lc.lineAt(sp.off), err)
				}
				if raw == nil {
					break
				}
				if !gjson.ValidBytes(raw) {
					var v any
					err := json.Unmarshal(raw, &v)
					var se *json.SyntaxError
					at := start
					if errors.As(err, &se) {
						at += se.Offset
					}
					return invalid("features["+strconv.Itoa(i)+"]", "malformed JSON at byte %d (line %d): %s", at, lc.lineAt(at), cleanJSONErr(err))
				}
				if err := fn(i, lc.lineAt(start), raw); err != nil {
					return err
				}
				if !more {
					break
				}
			}
			// A new decoder takes the rest of the collection, after the
			// tokens that put it back where the array ended.
			const resume = `{"features":[]`
			base = sp.off - int64(len(resume))
			dec = json.NewDecoder(io.MultiReader(strings.NewReader(resume), bytes.NewReader(sp.buffered()), lc))
			for range 4 { // { "features" [ ]
				if _, err := dec.Token(); err != nil {
					return syntax("features", err)
				}
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

// splitter cuts the values of a JSON array out of a stream, after its
// opening bracket: it tracks strings, escapes and the nesting of brackets,
// and copies each value's bytes. It checks no more than that; ReadFeatures
// checks each value with gjson.ValidBytes, which accepts what json.Valid
// accepts (FuzzReadFeatures holds it to that) in a third of its time.
// Together they scan a feature twice, where json.Decoder's Decode into a
// RawMessage scanned it three times: the splitting is what the start-up of
// serve --data waits on.
type splitter struct {
	r   io.Reader
	buf []byte
	pos int
	off int64 // offset in the whole input of buf[pos]
	eof bool
}

// fill reads more input; it reports false at the end.
func (sp *splitter) fill() bool {
	if sp.eof {
		return false
	}
	if sp.buf == nil {
		sp.buf = make([]byte, 0, 64<<10)
	}
	sp.buf = append(sp.buf[:0], sp.buf[sp.pos:]...)
	sp.pos = 0
	n, err := sp.r.Read(sp.buf[len(sp.buf):cap(sp.buf)])
	sp.buf = sp.buf[:len(sp.buf)+n]
	if err != nil {
		sp.eof = true
	}
	return n > 0 || !sp.eof
}

// peek returns the next byte that is not JSON whitespace.
func (sp *splitter) peek() (byte, bool) {
	for {
		for sp.pos < len(sp.buf) {
			switch c := sp.buf[sp.pos]; c {
			case ' ', '\t', '\n', '\r':
				sp.pos++
				sp.off++
			default:
				return c, true
			}
		}
		if !sp.fill() {
			return 0, false
		}
	}
}

// next returns the next value of the array, the offset at which it starts
// and whether more follow; nil at the closing bracket. first is true for
// the first call, when the array may be empty.
func (sp *splitter) next(first bool) (raw []byte, start int64, more bool, err error) {
	c, ok := sp.peek()
	switch {
	case !ok:
		return nil, 0, false, io.ErrUnexpectedEOF
	case c == ']' && first:
		sp.pos++
		sp.off++
		return nil, 0, false, nil
	}
	start = sp.off
	var stack []byte
	inString, escaped := false, false
	for {
		if sp.pos == len(sp.buf) && !sp.fill() {
			return raw, start, false, io.ErrUnexpectedEOF
		}
		b := sp.buf[sp.pos:]
		i := 0
		done := false
		for ; i < len(b) && !done; i++ {
			c := b[i]
			switch {
			case inString:
				switch {
				case escaped:
					escaped = false
				case c == '\\':
					escaped = true
				case c == '"':
					inString = false
					done = len(stack) == 0
				}
			case c == '"':
				inString = true
			case c == '{' || c == '[':
				stack = append(stack, c)
			case c == ']' && len(stack) == 0 && (i > 0 || len(raw) > 0):
				// the end of a number or literal that ends the array
				i--
				done = true
			case c == '}' || c == ']':
				if len(stack) == 0 || (c == '}') != (stack[len(stack)-1] == '{') {
					sp.pos += i
					sp.off += int64(i)
					return raw, start, false, errors.New("mismatched bracket")
				}
				stack = stack[:len(stack)-1]
				done = len(stack) == 0
			case len(stack) == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'):
				if i == 0 && len(raw) == 0 {
					// a comma where a value should start: [,
					return nil, start, false, errors.New("expected a feature")
				}
				// the end of a number or literal
				i--
				done = true
			}
		}
		raw = append(raw, b[:i]...)
		sp.pos += i
		sp.off += int64(i)
		if done {
			break
		}
	}
	switch c, ok := sp.peek(); {
	case !ok:
		return raw, start, false, errEndAfterValue
	case c == ',':
		sp.pos++
		sp.off++
		return raw, start, true, nil
	case c == ']':
		sp.pos++
		sp.off++
		return raw, start, false, nil
	}
	return raw, start, false, errors.New("expected , or ] after a feature")
}

// errEndAfterValue is next's error for input that ends after a whole value.
var errEndAfterValue = errors.New("the input ends after a feature")

// buffered returns the input read but not consumed.
func (sp *splitter) buffered() []byte { return sp.buf[sp.pos:] }

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
