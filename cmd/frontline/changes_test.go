package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sseEvent is one Server-Sent Event: its event name, id (empty when the
// event has none) and data; err is set when the stream ended or timed out
// instead.
type sseEvent struct {
	event, id, data string
	err             error
}

// sseStream reads the events of one GET of a stream.
type sseStream struct {
	resp   *http.Response
	events chan sseEvent
}

// openStream GETs url as a browser's EventSource would, with token and
// Last-Event-ID lastID (none when ""), and reads its events in the
// background. The response must be a 200 text/event-stream.
func openStream(t *testing.T, url, token, lastID string) *sseStream {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		resp.Body.Close()
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &sseStream{resp: resp, events: make(chan sseEvent, 1024)}
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.event != "" || ev.data != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"), strings.HasPrefix(line, "retry:"):
			case strings.HasPrefix(line, "event: "):
				ev.event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "id: "):
				ev.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				ev.data += strings.TrimPrefix(line, "data: ")
			}
		}
		s.events <- sseEvent{err: fmt.Errorf("the stream ended: %v", sc.Err())}
	}()
	return s
}

// next returns the next event, or one with err after within.
func (s *sseStream) next(t *testing.T, within time.Duration) sseEvent {
	t.Helper()
	select {
	case ev := <-s.events:
		return ev
	case <-time.After(within):
		return sseEvent{err: fmt.Errorf("no event within %s", within)}
	}
}

func (s *sseStream) close() { s.resp.Body.Close() }

// changeOf decodes an event's change.
func changeOf(t *testing.T, ev sseEvent) map[string]any {
	t.Helper()
	var c map[string]any
	if err := json.Unmarshal([]byte(ev.data), &c); err != nil {
		t.Fatalf("event data %q: %v", ev.data, err)
	}
	return c
}

// TestChangeFeed runs the real server on a GeoPackage store. A stream
// from now sees a write live. Cut off, then reconnected with
// Last-Event-ID after 50 more writes, it gets exactly those 50, in order,
// each a transaction of its own with its dataset version as id. The paged
// feed from the same position, followed by its next links, gives the same
// 50. Bad positions are 400s naming the field.
func TestChangeFeed(t *testing.T) {
	db, tokens := storeWithTokens(t)
	base, logs := startServe(t, "--db", db, "--write-limit", "0")
	defer func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	}()
	create := func(id string) {
		t.Helper()
		if r := send(t, "POST", base+"/api/collections/incidents/items", tokens["editor"], testIncident(id, "feed"), "Content-Type", "application/geo+json"); r.StatusCode != 201 {
			t.Fatalf("create %s: %d %s", id, r.StatusCode, r.body)
		}
	}

	// The stream's position is taken before its headers are sent, so the
	// write comes after it.
	live := openStream(t, base+"/api/changes/stream", tokens["viewer"], "")
	create("feed-0")
	ev := live.next(t, 10*time.Second)
	if ev.err != nil || ev.event != "change" || ev.id == "" {
		t.Fatalf("the live event: %+v", ev)
	}
	if c := changeOf(t, ev); c["id"] != "feed-0" || c["operation"] != "create" || c["collection"] != "incidents" || c["kind"] != "incident" {
		t.Fatalf("the live change: %v", c)
	}
	live.close()
	last := ev.id

	for i := 1; i <= 50; i++ {
		create(fmt.Sprintf("feed-%d", i))
	}
	resumed := openStream(t, base+"/api/changes/stream", tokens["viewer"], last)
	prev, _ := strconv.ParseInt(last, 10, 64)
	for i := 1; i <= 50; i++ {
		ev := resumed.next(t, 10*time.Second)
		if ev.err != nil {
			t.Fatalf("resumed event %d: %v", i, ev.err)
		}
		c := changeOf(t, ev)
		id, _ := strconv.ParseInt(ev.id, 10, 64)
		if c["id"] != fmt.Sprintf("feed-%d", i) || id <= prev || int64(c["dataset_version"].(float64)) != id {
			t.Fatalf("resumed event %d: id %q, change %v", i, ev.id, c)
		}
		prev = id
	}
	if ev := resumed.next(t, 500*time.Millisecond); ev.err == nil {
		t.Errorf("an event beyond the 50: %+v", ev)
	}
	resumed.close()

	// The paged feed from the same position, 7 at a time.
	var ids []string
	next := base + "/api/changes?since=" + last + "&limit=7"
	for pages := 0; next != ""; pages++ {
		if pages > 20 {
			t.Fatal("more than 20 pages")
		}
		r := send(t, "GET", next, tokens["viewer"], "")
		if r.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", next, r.StatusCode, r.body)
		}
		var page struct {
			Changes []struct {
				ID string `json:"id"`
			} `json:"changes"`
			Links []struct{ Href, Rel string } `json:"links"`
		}
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		next = ""
		for _, c := range page.Changes {
			ids = append(ids, c.ID)
		}
		for _, l := range page.Links {
			if l.Rel == "next" {
				next = l.Href
			}
		}
	}
	if len(ids) != 50 || ids[0] != "feed-1" || ids[49] != "feed-50" {
		t.Errorf("the paged feed: %d changes, %v", len(ids), ids)
	}

	for _, tt := range []struct{ target, lastID, field string }{
		{"/api/changes?since=x", "", "since"},
		{"/api/changes?limit=0", "", "limit"},
		{"/api/changes?offset=-2", "", "offset"},
		{"/api/changes?sinse=1", "", "sinse"},
		{"/api/changes/stream", "abc", "Last-Event-ID"},
	} {
		r := send(t, "GET", base+tt.target, tokens["viewer"], "", "Last-Event-ID", tt.lastID)
		if r.StatusCode != 400 || r.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(r.body), tt.field) {
			t.Errorf("GET %s (Last-Event-ID %q): %d %s", tt.target, tt.lastID, r.StatusCode, r.body)
		}
	}
	// The feed shows the edit history: a viewer token, as /versions.
	if r := send(t, "GET", base+"/api/changes", "", ""); r.StatusCode != 401 {
		t.Errorf("the feed without a token: %d", r.StatusCode)
	}
}
