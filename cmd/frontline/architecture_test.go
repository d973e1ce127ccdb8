package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// layerRule is one row of the import table in the architecture guide
// (docs/architecture.md, "What each package may import"): which project
// packages a package may depend on (transitively) and which third-party
// modules it may import, with the standard packages it must not import
// directly.
type layerRule struct {
	project   []string // allowed project packages, relative to the module
	modules   []string // allowed third-party modules
	forbidden []string // standard library packages it must not import
	onlyStd   []string // if set, the only standard packages it may import
}

// stdRules are the guide's rules on standard packages, by package.
var stdRules = map[string]layerRule{
	"geo":     {forbidden: []string{"net/http", "os", "log", "log/slog"}},
	"ingest":  {forbidden: []string{"net/http"}},
	"store":   {forbidden: []string{"net/http"}},
	"catalog": {forbidden: []string{"net/http", "os"}},
	"web":     {onlyStd: []string{"embed", "io/fs"}},
	"data":    {onlyStd: []string{"embed", "io/fs"}},
}

// readLayers reads the import table of docs/architecture.md: the rows
// after its "| package | project | modules |" header, each cell a list of
// back-quoted names or "—".
func readLayers(t *testing.T) map[string]layerRule {
	t.Helper()
	b, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile("`([^`]+)`")
	layers := map[string]layerRule{}
	in := false
	for line := range strings.SplitSeq(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "| package | project | modules |"):
			in = true
			continue
		case !in || strings.HasPrefix(line, "|---"):
			continue
		case !strings.HasPrefix(line, "|"):
			in = false
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 3 {
			t.Fatalf("docs/architecture.md: bad row %q", line)
		}
		list := func(cell string) []string {
			var out []string
			for _, m := range names.FindAllStringSubmatch(cell, -1) {
				out = append(out, m[1])
			}
			return out
		}
		pkgs := list(cells[0])
		if len(pkgs) != 1 {
			t.Fatalf("docs/architecture.md: row %q names no package", line)
		}
		top, _, _ := strings.Cut(pkgs[0], "/")
		r := stdRules[top]
		r.project, r.modules = list(cells[1]), list(cells[2])
		layers[pkgs[0]] = r
	}
	if len(layers) == 0 {
		t.Fatal("docs/architecture.md has no import table")
	}
	return layers
}

// ruleFor finds the rule of a package path relative to the module; cmd/
// and internal/ (test support) are free.
func ruleFor(layers map[string]layerRule, rel string) (layerRule, bool) {
	r, ok := layers[rel]
	return r, ok
}

func TestImportRules(t *testing.T) {
	layers := readLayers(t)
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
		rule, ok := ruleFor(layers, rel)
		if !ok {
			if !strings.HasPrefix(rel, "cmd/") && !strings.HasPrefix(rel, "internal/") && p.ImportPath != p.Module.Path {
				t.Errorf("package %s has no row in docs/architecture.md", rel)
			}
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
				if !strings.HasPrefix(imp, mod) && !allowedProject(rule.modules, imp) {
					t.Errorf("%s imports %s, a module its row of docs/architecture.md does not list (%v)", rel, imp, rule.modules)
				}
				continue
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
