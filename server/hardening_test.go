package server

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/geo"
)

// TestCSVExportNeutralizesFormulas: a text cell a spreadsheet would run
// as a formula is written with a leading apostrophe (OWASP CSV injection);
// numbers keep their sign and other text is unchanged.
func TestCSVExportNeutralizesFormulas(t *testing.T) {
	ds := ogcDataset()
	in := &ds.Incidents[0]
	in.Place = `=HYPERLINK("https://example.org","x")`
	in.Description = "+1 killed"
	id := in.ID // NewIndex reorders ds.Incidents
	ix, err := geo.NewIndex(ds)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := writeCSV(&buf, ix.Snapshot(), collectionIncidents); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, row := range rows[1:] {
		if row[col["id"]] != string(id) {
			continue
		}
		if got := row[col["place"]]; got != `'=HYPERLINK("https://example.org","x")` {
			t.Errorf("place = %q", got)
		}
		if got := row[col["description"]]; got != "'+1 killed" {
			t.Errorf("description = %q", got)
		}
		return
	}
	t.Fatalf("incident %s not exported", id)
}

func TestNeutralizeFormula(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "=1+1": "'=1+1", "+x": "'+x", "-x": "'-x", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "Aleppo": "Aleppo", " =x": " =x", "'=x": "'=x",
	} {
		if got := neutralizeFormula(in); got != want {
			t.Errorf("neutralizeFormula(%q) = %q, want %q", in, got, want)
		}
	}
}

// slowBody sends a POST with a body of n bytes, one byte every gap, over
// a raw connection to addr, and returns the status line of the answer.
func slowBody(t *testing.T, addr, target, contentType string, n int, gap time.Duration) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\nAuthorization: Bearer editor-secret\r\n\r\n", target, contentType, n)
	go func() {
		for range n {
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
			time.Sleep(gap)
		}
	}()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	return strings.TrimSpace(line)
}

// TestBodyDeadlines: a body that trickles in is cut at its route's
// deadline with 408, the import's deadline is its own, and a body that
// arrives in time is served.
func TestBodyDeadlines(t *testing.T) {
	h, _ := newEditServer(t, Config{BodyTimeout: 300 * time.Millisecond, ImportBodyTimeout: 20 * time.Second})
	srv := httptest.NewServer(h)
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	start := time.Now()
	if got := slowBody(t, addr, "/api/search", "application/json", 1000, 10*time.Millisecond); !strings.HasPrefix(got, "HTTP/1.1 408") {
		t.Errorf("a search body over 10 s: %q, want 408", got)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("the search's connection was held %v", d)
	}
	// 40 bytes 10 ms apart: longer than the search deadline, well within
	// the import's. The fake editor answers any body 200.
	if got := slowBody(t, addr, "/api/import?format=ucdp", "text/csv", 40, 10*time.Millisecond); !strings.HasPrefix(got, "HTTP/1.1 200") {
		t.Errorf("an import body within its deadline: %q, want 200", got)
	}
	resp, err := http.Post(srv.URL+"/api/search", "application/json", strings.NewReader(`{"geometry":{"type":"Point","coordinates":[38.63,33.5]},"radius":55000}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("a prompt search: %d", resp.StatusCode)
	}
}

// TestBodyDeadlineLifted: once a body has arrived whole, its deadline no
// longer applies (net/http lifts it to read the connection in the
// background), so a handler that works past it is not cancelled.
func TestBodyDeadlineLifted(t *testing.T) {
	s := &Server{cfg: Config{MaxBodyBytes: 1 << 20, BodyTimeout: 100 * time.Millisecond}}
	h := s.limitBody(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			t.Errorf("reading the body: %v", err)
		}
		time.Sleep(400 * time.Millisecond)
		if err := r.Context().Err(); err != nil {
			t.Errorf("the request was cancelled after its body arrived: %v", err)
		}
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Post(srv.URL, "text/plain", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// TestLimitConnsPerClient: a client over its limit of open connections
// is answered 429 and closed; one of its connections closing makes room;
// a trusted proxy is not limited.
func TestLimitConnsPerClient(t *testing.T) {
	for _, trusted := range []bool{false, true} {
		var proxies []netip.Prefix
		if trusted {
			proxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		}
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		srv.Listener = LimitConnsPerClient(srv.Listener, 2, proxies)
		srv.Start()
		addr := srv.Listener.Addr().String()
		dial := func() net.Conn {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		// status sends a request on c and returns the answer's status line.
		status := func(c net.Conn) string {
			fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			return strings.TrimSpace(line)
		}
		a, b := dial(), dial()
		if got := status(a); got != "HTTP/1.1 200 OK" {
			t.Fatalf("trusted %v: the first connection: %q", trusted, got)
		}
		third := dial()
		want := "HTTP/1.1 429 Too Many Requests"
		if trusted {
			want = "HTTP/1.1 200 OK"
		}
		if got := status(third); got != want {
			t.Errorf("trusted %v: a third connection: %q, want %q", trusted, got, want)
		}
		third.Close()
		if !trusted {
			a.Close()
			deadline := time.Now().Add(10 * time.Second)
			for {
				c := dial()
				got := status(c)
				c.Close()
				if got == "HTTP/1.1 200 OK" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no room after a connection closed: %q", got)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		a.Close()
		b.Close()
		srv.Close()
	}
}

// TestCountedConnCloseWrite: a limited connection still half-closes, as
// net/http needs to deliver an answer to a request it did not read whole.
func TestCountedConnCloseWrite(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lim := LimitConnsPerClient(ln, 1, nil)
	defer lim.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := lim.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cw, ok := c.(interface{ CloseWrite() error })
	if !ok {
		t.Fatal("a limited connection cannot half-close")
	}
	if err := cw.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := client.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("after CloseWrite the client reads %d, %v; want EOF", n, err)
	}
}
