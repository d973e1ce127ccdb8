package store

// SetImportChunk makes Import look records up n at a time until the
// returned function restores the default.
func SetImportChunk(n int) (restore func()) {
	was := importChunk
	importChunk = n
	return func() { importChunk = was }
}
