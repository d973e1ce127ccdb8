package catalog

import "time"

// SetClock makes now the clock of c, for the tests of time-bound
// publication.
func SetClock(c *Catalog, now func() time.Time) { c.clock = now }
