package watch

// SetBatch makes ws's matches read n changes at most.
func SetBatch(ws *Watches, n int) { ws.batch = n }
