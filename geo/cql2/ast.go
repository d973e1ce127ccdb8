// Package cql2 parses OGC CQL2 filters (OGC 21-065r2), in the text and the
// JSON encoding, into one tree, evaluates the tree against Frontline's
// records, and plans an incidents filter into an index query (geo's
// IncidentQuery) plus what is left to check on each candidate.
//
// The classes it implements are those Conformance lists: basic CQL2,
// advanced comparison operators (LIKE, BETWEEN, IN), case-insensitive
// comparison (CASEI), basic spatial functions and spatial functions on
// points and polygons, temporal functions, and one extension, S_DWITHIN,
// a geodesic distance in metres. Geometry literals are [lon, lat] (CRS84);
// dates and timestamps are compared by UTC day, the records' own precision.
//
// Parsing is bounded: a filter longer than MaxLength bytes or nested deeper
// than MaxDepth is refused. Every error is a *Error with the byte offset and
// the token it is about.
package cql2

import (
	"fmt"

	"github.com/frontline-maps/frontline/geo"
	"github.com/paulmach/orb"
)

// Limits of a filter.
const (
	MaxLength = 64 << 10 // bytes of filter text or JSON
	MaxDepth  = 64       // nesting of expressions
)

// Error is a filter that cannot be parsed or evaluated: Pos is the byte
// offset in the text (or, for the JSON encoding, of the member) where Token
// starts.
type Error struct {
	Pos    int
	Token  string
	Reason string
}

// Error says where and why.
func (e *Error) Error() string {
	if e.Token == "" {
		return fmt.Sprintf("at position %d: %s", e.Pos, e.Reason)
	}
	return fmt.Sprintf("at position %d, %q: %s", e.Pos, e.Token, e.Reason)
}

func errAt(pos int, token, format string, args ...any) *Error {
	return &Error{Pos: pos, Token: token, Reason: fmt.Sprintf(format, args...)}
}

// Expr is a node of a filter. Every node knows where it started.
type Expr interface{ At() int }

// node holds a node's position.
type node struct{ pos int }

// At is the byte offset where the node started.
func (n node) At() int { return n.pos }

// The boolean connectives.
type (
	// And holds when every argument does.
	And struct {
		node
		Args []Expr
	}
	// Or holds when any argument does.
	Or struct {
		node
		Args []Expr
	}
	// Not holds when its argument does not.
	Not struct {
		node
		X Expr
	}
)

// The predicates.
type (
	// Compare is A Op B, Op one of = <> < > <= >=.
	Compare struct {
		node
		Op   string
		A, B Expr
	}
	// Like is X LIKE Pattern: % any run of characters, _ one character, \
	// escapes the next.
	Like struct {
		node
		X, Pattern Expr
	}
	// Between is Lo <= X <= Hi.
	Between struct {
		node
		X, Lo, Hi Expr
	}
	// In is X equal to one of List.
	In struct {
		node
		X    Expr
		List []Expr
	}
	// IsNull is X IS NULL.
	IsNull struct {
		node
		X Expr
	}
	// Spatial is a spatial function of two geometries: Op one of
	// s_intersects, s_disjoint, s_within, s_contains, s_equals.
	Spatial struct {
		node
		Op   string
		A, B Expr
	}
	// Temporal is a temporal function of two instants or intervals: Op one
	// of t_after, t_before, t_contains, t_disjoint, t_during, t_equals,
	// t_finishedby, t_finishes, t_intersects, t_meets, t_metby,
	// t_overlappedby, t_overlaps, t_startedby, t_starts.
	Temporal struct {
		node
		Op   string
		A, B Expr
	}
	// DWithin is the extension S_DWITHIN(A, B, Meters): the geodesic
	// distance between the point A and the point B is at most Meters.
	DWithin struct {
		node
		A, B   Expr
		Meters float64
	}
)

// The operands.
type (
	// Property is a queryable, such as type or geometry.
	Property struct {
		node
		Name string
	}
	// String is a character literal.
	String struct {
		node
		V string
	}
	// Number is a numeric literal.
	Number struct {
		node
		V float64
	}
	// Bool is TRUE or FALSE.
	Bool struct {
		node
		V bool
	}
	// Instant is a DATE or TIMESTAMP literal, as its UTC day.
	Instant struct {
		node
		Day geo.Day
	}
	// Interval is INTERVAL(From, To): each an Instant, a Property or an
	// open end ("..", nil here).
	Interval struct {
		node
		From, To Expr
	}
	// Geometry is a geometry literal ([lon, lat]): an orb.Point, Polygon,
	// MultiPolygon, LineString, MultiPoint or MultiLineString, or an
	// orb.Bound for BBOX.
	Geometry struct {
		node
		G orb.Geometry
		// prepared is the literal as the spatial functions use it, made
		// once however often the filter is compiled or planned (its
		// polygon's preparation is most of a filter's cost:
		// BenchmarkFilter).
		prepared *Shape
	}
	// CaseI is CASEI(X): X compared without regard to case.
	CaseI struct {
		node
		X Expr
	}
)
