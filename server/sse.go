package server

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// sseWriter writes Server-Sent Events to one response: stream's fill
// functions write through it.
type sseWriter struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	wrote  bool // an event since the last flush
	failed bool // a write or flush failed: the client is gone
}

// event writes one event: its name, its id (no id line when ""), its data.
func (o *sseWriter) event(id, name string, data []byte) error {
	o.wrote = true
	var err error
	if id == "" {
		_, err = fmt.Fprintf(o.w, "event: %s\ndata: %s\n\n", name, data)
	} else {
		_, err = fmt.Fprintf(o.w, "event: %s\nid: %s\ndata: %s\n\n", name, id, data)
	}
	o.failed = o.failed || err != nil
	return err
}

// flush sends what was written, within streamWriteTimeout.
func (o *sseWriter) flush() error {
	_ = o.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	err := o.rc.Flush()
	o.wrote, o.failed = false, o.failed || err != nil
	return err
}

// comment writes an SSE comment line (a heartbeat) and flushes it.
func (o *sseWriter) comment(text string) error {
	if _, err := fmt.Fprintf(o.w, ": %s\n\n", text); err != nil {
		o.failed = true
		return err
	}
	return o.flush()
}

// stream serves Server-Sent Events: it takes a stream slot, writes the
// retry delay, then calls fill, which writes what is new (flushing when it
// likes) and returns a channel that closes when more may be, until the
// client goes, an hour passes, or the server shuts down. Between fills it
// heartbeats every 15 s and, when poll is above 0, calls fill again every
// poll. A fill's error ends the stream (logged unless the client left);
// the client reconnects with Last-Event-ID.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, poll time.Duration, fill func(ctx context.Context, out *sseWriter) (<-chan struct{}, error)) error {
	release, err := s.streams.acquire()
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithTimeout(r.Context(), streamMaxAge)
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass events on as they come
	w.WriteHeader(http.StatusOK)
	out := &sseWriter{w: w, rc: http.NewResponseController(w)}
	// The client's reconnection delay, then the events.
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil || out.flush() != nil {
		return nil
	}
	heartbeat := time.NewTicker(streamHeartbeat)
	defer heartbeat.Stop()
	var polls <-chan time.Time
	if poll > 0 {
		t := time.NewTicker(poll)
		defer t.Stop()
		polls = t.C
	}
	for {
		more, err := fill(ctx, out)
		if err != nil {
			if ctx.Err() == nil && !out.failed {
				s.log.Warn("event stream", "path", r.URL.Path, "error", err)
			}
			return nil
		}
		if out.wrote && out.flush() != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.streams.done:
			return nil
		case <-more:
		case <-polls:
		case <-heartbeat.C:
			if out.comment("heartbeat") != nil {
				return nil
			}
		}
	}
}
