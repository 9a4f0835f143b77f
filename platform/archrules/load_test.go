package archrules

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestModulePath(t *testing.T) {
	tests := []struct {
		name, gomod, want string
	}{
		{"plain", "module github.com/keelhq/keel\n\ngo 1.26.0\n", "github.com/keelhq/keel"},
		{"comment and blank lines", "// Keel\n\nmodule example.com/m // the service\n", "example.com/m"},
		{"quoted", "module \"example.com/q\"\n", "example.com/q"},
		{"tab", "module\texample.com/t\n", "example.com/t"},
		{"not a directive", "modules example.com/x\nmodule example.com/y\n", "example.com/y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := modulePath([]byte(tt.gomod))
			if err != nil || got != tt.want {
				t.Errorf("modulePath = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := modulePath([]byte("go 1.26.0\n")); err == nil {
		t.Error("modulePath without a module directive: want an error")
	}
}

func TestFindModuleWalksUp(t *testing.T) {
	root := writeModule(t, map[string]string{"a/b/c/keep.txt": ""})
	gotRoot, gotModule, err := FindModule(filepath.Join(root, "a", "b", "c"))
	if err != nil {
		t.Fatal(err)
	}
	if gotRoot != root || gotModule != "example.com/m" {
		t.Errorf("FindModule = %q, %q; want %q, example.com/m", gotRoot, gotModule, root)
	}
}

func TestDecodePackagesReadsAStream(t *testing.T) {
	stream := `{"ImportPath": "fmt", "Standard": true, "Imports": ["io"], "Dir": "/x"}
{"ImportPath": "example.com/m/domain/user", "Imports": ["fmt"], "DepOnly": false}`
	got, err := DecodePackages(strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	want := []Package{
		{ImportPath: "fmt", Standard: true, Imports: []string{"io"}},
		{ImportPath: "example.com/m/domain/user", Imports: []string{"fmt"}},
	}
	if !slices.EqualFunc(got, want, func(a, b Package) bool {
		return a.ImportPath == b.ImportPath && a.Standard == b.Standard && slices.Equal(a.Imports, b.Imports)
	}) {
		t.Errorf("DecodePackages = %+v, want %+v", got, want)
	}
	if _, err := DecodePackages(strings.NewReader(`{"ImportPath": `)); err == nil {
		t.Error("DecodePackages on a truncated stream: want an error")
	}
}

// TestLoadFindsAViolationEndToEnd runs go list on a scratch module whose user context imports
// the auth context, and expects exactly that import to be reported, even though another
// package of the module does not build.
func TestLoadFindsAViolationEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	root := writeModule(t, map[string]string{
		"domain/auth/auth.go": "package auth\n\nconst Name = \"auth\"\n",
		"domain/user/user.go": "package user\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/m/domain/auth\"\n)\n\n" +
			"var _ = fmt.Sprint(auth.Name)\n",
		"domain/user/user_test.go": "package user\n\nimport _ \"example.com/m/platform/db\"\n",
		"platform/db/db.go":        "package db\n",
		// A package that does not build yet must not hide the graph.
		"platform/i18n/i18n.go": "package i18n\n\nimport \"embed\"\n\n//go:embed locales/*.json\nvar files embed.FS\n",
	})
	g, err := Load(t.Context(), filepath.Join(root, "domain", "user"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Violation{{Rule: RuleContextIsolation, From: "example.com/m/domain/user", To: "example.com/m/domain/auth"}}
	if got := g.Violations(); !slices.Equal(got, want) {
		t.Errorf("Violations = %v, want %v (test-only imports are out of scope)", got, want)
	}
}

// writeModule creates a module example.com/m in a temporary directory with the given files.
func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	files["go.mod"] = "module example.com/m\n\ngo 1.26.0\n"
	for name, body := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}
