package archrules

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDomainHasNoWireFormat checks this repository's domain and ports.
func TestDomainHasNoWireFormat(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	found, err := WireTags(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range found {
		t.Errorf("%s: %s: field %s has tag %s (%s)", RuleDomainNoWireFormat, v.Pos, v.Field, v.Tag, RuleDomainNoWireFormat.Sentence())
	}
}

// WireTags finds a tagged field, and only in non-test files under domain and ports.
func TestWireTagsFindsTags(t *testing.T) {
	root := t.TempDir()
	write := func(path, src string) {
		t.Helper()
		full := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("domain/x/x.go", "package x\n\ntype T struct {\n\tA int `json:\"a\"`\n\tB int\n}\n")
	write("domain/x/x_test.go", "package x\n\ntype U struct {\n\tA int `json:\"a\"`\n}\n")
	write("ports/p.go", "package ports\n\ntype V struct{ C string `bun:\"c\"` }\n")
	write("adapters/a.go", "package a\n\ntype W struct{ D string `json:\"d\"` }\n")
	found, err := WireTags(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || found[0].Field != "A" || found[1].Field != "C" {
		t.Fatalf("found %+v, want A in domain and C in ports", found)
	}
}
