package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// layerRule is one row of the import table in the architecture guide
// (shared/spec/architecture.md): which project packages a package may
// depend on (transitively), and which standard packages it must not import
// directly.
type layerRule struct {
	project   []string // allowed project packages, relative to the module
	forbidden []string // standard library packages it must not import
	onlyStd   []string // if set, the only standard packages it may import
}

var layers = map[string]layerRule{
	"geo":     {forbidden: []string{"net/http", "os", "log", "log/slog"}},
	"geo/":    {project: []string{"geo"}, forbidden: []string{"net/http", "log", "log/slog"}},
	"ingest":  {project: []string{"geo"}, forbidden: []string{"net/http"}},
	"store":   {project: []string{"geo", "store"}, forbidden: []string{"net/http"}},
	"server":  {project: []string{"geo", "catalog", "store", "ingest"}},
	"catalog": {project: []string{"geo", "ingest", "store"}, forbidden: []string{"net/http", "os"}},
	"web":     {onlyStd: []string{"embed", "io/fs"}},
	"data":    {onlyStd: []string{"embed", "io/fs"}},
}

// ruleFor finds the rule of a package path relative to the module: an exact
// entry, or the entry "parent/" for subpackages; cmd/ is free.
func ruleFor(rel string) (layerRule, bool) {
	if r, ok := layers[rel]; ok {
		return r, true
	}
	top, _, _ := strings.Cut(rel, "/")
	if r, ok := layers[top+"/"]; ok {
		return r, true
	}
	r, ok := layers[top]
	return r, ok
}

func TestImportRules(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", "../../...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	type pkg struct {
		ImportPath string
		Module     *struct{ Path string }
		Imports    []string
		Deps       []string
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Module == nil {
			continue
		}
		mod := p.Module.Path + "/"
		rel := strings.TrimPrefix(p.ImportPath, mod)
		rule, ok := ruleFor(rel)
		if !ok {
			continue
		}
		checked++
		for _, d := range p.Deps {
			if !strings.HasPrefix(d, mod) {
				continue
			}
			dep := strings.TrimPrefix(d, mod)
			if !allowedProject(rule.project, dep) {
				t.Errorf("%s depends on %s; the architecture guide allows only %v", rel, dep, rule.project)
			}
		}
		for _, imp := range p.Imports {
			if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
				continue // a module from outside the standard library
			}
			for _, f := range rule.forbidden {
				if imp == f {
					t.Errorf("%s imports %s, which the architecture guide keeps out of it", rel, imp)
				}
			}
			if rule.onlyStd != nil && !contains(rule.onlyStd, imp) {
				t.Errorf("%s imports %s; it may import only %v", rel, imp, rule.onlyStd)
			}
		}
	}
	if checked == 0 {
		t.Fatal("go list returned no packages to check")
	}
}

func allowedProject(allowed []string, dep string) bool {
	for _, a := range allowed {
		if dep == a || strings.HasPrefix(dep, a+"/") {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
