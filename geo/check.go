package geo

import "strings"

// Problem is one thing wrong with a dataset: in which file (when known),
// which record, which field and why. It is an error, so readers can return
// several joined with errors.Join and callers can list them one per line.
type Problem struct {
	File   string // dataset file, slash-separated and relative to the dataset directory; "" when unknown
	ID     string // record ID, or its position such as "features[3]" when it has no readable ID
	Field  string // dotted path in the record's JSON schema, "" for the record as a whole
	Reason string
}

// Error formats p as "file: id: field: reason", leaving out empty parts.
func (p Problem) Error() string {
	parts := make([]string, 0, 4)
	for _, s := range []string{p.File, p.ID, p.Field, p.Reason} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}
