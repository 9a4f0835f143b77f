package migrations

import (
	"regexp"
	"testing"
)

// Not parallel: it changes fingerprintParts for a moment.
func TestFingerprint(t *testing.T) {
	fp := Fingerprint()
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(fp) {
		t.Fatalf("Fingerprint = %q, want 16 hex digits", fp)
	}
	if Fingerprint() != fp {
		t.Fatal("Fingerprint is not stable")
	}
	saved := fingerprintParts
	defer func() { fingerprintParts = saved }()
	fingerprintParts = append(append([]string(nil), saved...), "river:999")
	if Fingerprint() == fp {
		t.Fatal("Fingerprint ignores the Go migrations' parts (e.g. River's schema version)")
	}
	fingerprintParts = saved
	if Fingerprint() != fp {
		t.Fatal("Fingerprint did not come back")
	}
}

// Every embedded SQL migration is registered, up and down in pairs.
func TestSQLFilesPaired(t *testing.T) {
	entries, err := sqlFiles.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	ups, downs := map[string]bool{}, map[string]bool{}
	re := regexp.MustCompile(`^(\d{14}_[a-z0-9_]+)\.(up|down)\.sql$`)
	for _, e := range entries {
		m := re.FindStringSubmatch(e.Name())
		if m == nil {
			t.Errorf("%s does not follow NNNNNNNNNNNNNN_name.up|down.sql", e.Name())
			continue
		}
		if m[2] == "up" {
			ups[m[1]] = true
		} else {
			downs[m[1]] = true
		}
	}
	for name := range ups {
		if !downs[name] {
			t.Errorf("%s has no down migration", name)
		}
	}
	for name := range downs {
		if !ups[name] {
			t.Errorf("%s has no up migration", name)
		}
	}
	registered := map[string]bool{}
	for _, m := range registry.Sorted() {
		registered[m.Name] = true
	}
	for name := range ups {
		if !registered[name[:14]] {
			t.Errorf("%s not registered", name)
		}
	}
}
