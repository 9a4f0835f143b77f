package config

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/keelhq/keel/platform/tracing"
)

// TestREADMEListsEveryVariable keeps the README's configuration tables in step with Config
// and with the OTEL_ variables tracing honours (tracing.Variables): every variable the code
// reads is documented, and the README names none that is gone.
func TestREADMEListsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z][A-Z0-9_]+)`").FindAllSubmatch(readme, -1) {
		documented[string(m[1])] = true
	}
	cfg, err := LoadFrom(ProcessAPI, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	inCode := map[string]bool{}
	for _, key := range tracing.Variables {
		inCode[key] = true
		if !documented[key] {
			t.Errorf("%s is honoured by platform/tracing but missing from the README's Tracing table", key)
		}
	}
	for _, f := range fields(cfg) {
		inCode[f.key] = true
		if !documented[f.key] {
			t.Errorf("%s is read by the code but missing from the README's configuration table", f.key)
		}
	}
	for key := range documented {
		if !inCode[key] {
			t.Errorf("the README documents %s, which the code does not read", key)
		}
	}
}
