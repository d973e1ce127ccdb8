package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/frontline-maps/frontline/geo"
)

// genOutput is the shape of gen's FeatureCollection.
type genOutput struct {
	Type        string            `json:"type"`
	Synthetic   bool              `json:"synthetic"`
	Description string            `json:"description"`
	Features    []json.RawMessage `json:"features"`
}

func TestGenWritesValidFeatures(t *testing.T) {
	out := filepath.Join(t.TempDir(), "syn.geojson")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"gen", "--n", "100", "--seed", "7", "--out", out},
		func(string) string { return "" }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v (stderr %q)", err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	fc := decodeGen(t, b)
	// The workload imports into a store seeded with the curated data, which
	// refuses references to actors it does not have.
	actors, err := importActors(importConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	known := map[geo.ActorID]bool{}
	for _, a := range actors {
		known[a.ID] = true
	}
	if got, want := len(fc.Features), 100; got != want {
		t.Fatalf("%d features, want %d", got, want)
	}
	for i, raw := range fc.Features {
		var in geo.Incident
		if err := json.Unmarshal(raw, &in); err != nil {
			t.Fatalf("feature %d: %v", i, err)
		}
		if err := in.Validate(); err != nil {
			t.Errorf("feature %d (%s): %v", i, in.ID, err)
		}
		if err := in.CheckActors(func(id geo.ActorID) bool { return known[id] }); err != nil {
			t.Errorf("feature %d (%s): %v", i, in.ID, err)
		}
		if in.Origin.Dataset != geo.OriginSynthetic {
			t.Errorf("feature %d: origin %q, want %q", i, in.Origin.Dataset, geo.OriginSynthetic)
		}
	}
}

func TestGenStdout(t *testing.T) {
	tests := []struct {
		name string
		n    string
		want int
	}{
		{"empty", "0", 0},
		{"one", "1", 1},
		{"several", "25", 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), []string{"gen", "--n", tt.n}, func(string) string { return "" }, &stdout, &stderr); err != nil {
				t.Fatalf("run: %v", err)
			}
			if got := len(decodeGen(t, stdout.Bytes()).Features); got != tt.want {
				t.Errorf("%d features, want %d", got, tt.want)
			}
		})
	}
}

func TestGenUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"negative n", []string{"gen", "--n", "-1"}, 2},
		{"not a number", []string{"gen", "--n", "many"}, 2},
		{"extra argument", []string{"gen", "file.json"}, 2},
		{"unknown flag", []string{"gen", "--count", "3"}, 2},
		{"help", []string{"gen", "-h"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, func(string) string { return "" }, &stdout, &stderr)
			if err == nil {
				t.Fatal("run succeeded, want an error")
			}
			if got := exitCode(err); got != tt.code {
				t.Errorf("exit code %d for %v, want %d", got, err, tt.code)
			}
			if stdout.Len() != 0 {
				t.Errorf("wrote %d bytes to stdout on error", stdout.Len())
			}
		})
	}
}

func TestGenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"gen", "--n", "10"}, func(string) string { return "" }, &stdout, &stderr)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func decodeGen(t *testing.T, b []byte) genOutput {
	t.Helper()
	var fc genOutput
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if fc.Type != "FeatureCollection" || !fc.Synthetic || fc.Description == "" {
		t.Fatalf("type %q, synthetic %v, description %q: want a FeatureCollection marked synthetic", fc.Type, fc.Synthetic, fc.Description)
	}
	return fc
}
