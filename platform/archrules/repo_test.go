package archrules

import "testing"

// TestRepositoryFollowsTheLayeringRules checks the real import graph of this repository
// (non-test imports) and prints one line per broken rule.
func TestRepositoryFollowsTheLayeringRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the whole module")
	}
	g, err := Load(t.Context(), ".")
	if err != nil {
		t.Fatal(err)
	}
	if g.Module != "github.com/keelhq/keel" {
		t.Fatalf("module = %q, want github.com/keelhq/keel", g.Module)
	}
	own := 0
	for _, p := range g.Packages {
		if within(p.ImportPath, g.Module) {
			own++
		}
	}
	if own == 0 {
		t.Fatalf("go list found no packages of %s in %s", g.Module, g.Dir)
	}
	for _, v := range g.Violations() {
		t.Errorf("%s: %s -> %s (%s)", v.Rule, v.From, v.To, v.Rule.Sentence())
	}
}
