package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/internal/pgtest"
)

// pgInstances migrates a new database, makes an editor token and starts n
// frontline serve --postgres processes on it, with extra flags.
func pgInstances(b *testing.B, n int, extra ...string) ([]*crashServer, string) {
	b.Helper()
	bin := buildFrontline(b)
	url := pgtest.NewDatabase(b)
	noEnv := func(string) string { return "" }
	var out strings.Builder
	if err := run(b.Context(), []string{"migrate", "--postgres", url}, noEnv, &out, &out); err != nil {
		b.Fatal(err, out.String())
	}
	var token strings.Builder
	if err := run(b.Context(), []string{"token", "create", "--postgres", url, "--name", "bench", "--role", "editor"}, noEnv, &token, &out); err != nil {
		b.Fatal(err, out.String())
	}
	var servers []*crashServer
	for range n {
		servers = append(servers, startServerProcess(b, bin, append([]string{"--postgres", url, "--base-url", "https://maps.example.org"}, extra...)...))
	}
	return servers, strings.TrimSpace(token.String())
}

// create posts a new incident through base and returns the dataset
// version it answered.
func create(client *http.Client, base, token, id string) (int, error) {
	req, err := http.NewRequest("POST", base+"/api/collections/incidents/items", strings.NewReader(testIncident(id, "bench")))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/geo+json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		return 0, fmt.Errorf("create: %d", resp.StatusCode)
	}
	return versionNumber(resp.Header.Get("X-Dataset-Version")), nil
}

// BenchmarkPostGISCreates measures write throughput: creates per second
// from 8 clients, through one instance and spread over two, for 10 s.
func BenchmarkPostGISCreates(b *testing.B) {
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			servers, token := pgInstances(b, n)
			var done atomic.Int64
			deadline := time.Now().Add(10 * time.Second)
			var wg sync.WaitGroup
			for c := range 8 {
				base := servers[c%n].base
				wg.Go(func() {
					client := &http.Client{}
					for i := 0; time.Now().Before(deadline); i++ {
						if _, err := create(client, base, token, fmt.Sprintf("c%d-%07d", c, i)); err != nil {
							b.Error(err)
							return
						}
						done.Add(1)
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(done.Load())/10, "creates/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkPostGISPropagation measures how long a create through one
// instance takes to show in the other's index (its dataset version
// reaching the one the create answered), at 50 creates per second for
// 10 s.
func BenchmarkPostGISPropagation(b *testing.B) {
	servers, token := pgInstances(b, 2)
	a, other := servers[0].base, servers[1].base
	client := &http.Client{}
	var lat []time.Duration
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := range 500 {
		<-tick.C
		want, err := create(client, a, token, fmt.Sprintf("p-%05d", i))
		if err != nil {
			b.Fatal(err)
		}
		at := time.Now()
		for {
			resp, err := client.Get(other + "/api/collections/incidents/items?limit=1")
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if versionNumber(resp.Header.Get("X-Dataset-Version")) >= want {
				break
			}
			if time.Since(at) > 10*time.Second {
				b.Fatal("a create did not show on the other instance within 10 s")
			}
		}
		lat = append(lat, time.Since(at))
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(0, "ns/op")
}
