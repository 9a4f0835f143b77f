package main

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeRepo makes a folder holding what the generator reads of a Keel repository: go.mod,
// a migration, the real cmd/internal/boot/core.go, a route and an end-to-end helper.
func fakeRepo(t *testing.T) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	core, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(coreFile)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module github.com/keelhq/keel\n\ngo 1.26.0\n",
		"migrations/20261130000300_cron_runs.up.sql":   "CREATE TABLE cron_runs (\n    id uuid\n);\n",
		"migrations/20261130000300_cron_runs.down.sql": "DROP TABLE cron_runs;\n",
		coreFile:                            string(core),
		"cmd/internal/boot/gadget_clash.go": "package boot\n\n// Gadget is taken.\nvar Gadget = 1\n",
		"adapters/http/shop/shop.go":        "package shop\n\nconst path = \"/v1/widgets/{id}\"\n",
		"cmd/internal/e2e/harness_test.go":  "package e2e_test\n\nfunc newStack() {}\n",
		// A test's own throwaway route serves nothing: it does not take /v1/invoices.
		"adapters/http/server/bench_test.go": "package server\n\nconst benchPath = \"/v1/invoices/{id}\"\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// snapshot returns every file under dir with its content, and every folder.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		b, err := os.ReadFile(p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// gen runs the command line in dir and returns its exit status and output.
func gen(dir string, args ...string) (int, string) {
	var out bytes.Buffer
	code := run(append(args, "--root", dir, "--time", "2026-11-30T12:00:00Z"), &out, &out)
	return code, out.String()
}

const fields = "title:string,amount:int,dueAt:time,done:bool,note:text?,state:enum(a|b),ref:uuid?,price:money"

func TestGenerateWritesEveryFileAndOneLine(t *testing.T) {
	t.Parallel()
	dir := fakeRepo(t)
	before := snapshot(t, dir)
	code, out := gen(dir, "context", "invoice", "--fields", fields)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	after := snapshot(t, dir)
	c, _ := newContext("invoice", "")
	c.Migration = "20261130120000_invoices"
	for _, f := range c.files() {
		if _, ok := after[filepath.FromSlash(f.path)]; !ok {
			t.Errorf("%s not written", f.path)
		}
		if !strings.Contains(out, "create "+f.path+"\n") {
			t.Errorf("%s not reported", f.path)
		}
	}
	var changed []string
	for name, content := range before {
		if after[name] != content {
			changed = append(changed, name)
		}
	}
	if len(changed) != 1 || changed[0] != filepath.FromSlash(coreFile) {
		t.Fatalf("existing files changed: %v, want %s only", changed, coreFile)
	}
	oldLines, newLines := strings.Split(before[changed[0]], "\n"), strings.Split(after[changed[0]], "\n")
	if len(newLines) != len(oldLines)+1 {
		t.Fatalf("%s grew by %d lines, want 1", coreFile, len(newLines)-len(oldLines))
	}
	if !strings.Contains(after[changed[0]], "\tInvoice, // invoices (made by cmd/gen)\n)") {
		t.Errorf("%s:\n%s", coreFile, after[changed[0]])
	}
	if !strings.Contains(out, "edit   "+coreFile+": + Invoice, // invoices (made by cmd/gen)") {
		t.Errorf("output does not name the added line:\n%s", out)
	}
	// And a second time: refused, nothing written.
	again := snapshot(t, dir)
	if code, out := gen(dir, "context", "invoice", "--fields", fields); code != 2 || !strings.Contains(out, "nothing was written") {
		t.Errorf("second run: exit %d\n%s", code, out)
	}
	if !maps.Equal(again, snapshot(t, dir)) {
		t.Error("the second run changed the repository")
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	dir := fakeRepo(t)
	before := snapshot(t, dir)
	code, out := gen(dir, "context", "line_item", "--dry-run", "--fields", fields)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !maps.Equal(before, snapshot(t, dir)) {
		t.Error("--dry-run wrote")
	}
	for _, want := range []string{
		"would create domain/lineitem/lineitem.go\n", "would create migrations/20261130120000_line_items.up.sql\n",
		"would create platform/i18n/locales/line_item.de.json\n", "would edit   " + coreFile + ": + LineItem,",
		"would create cmd/internal/boot/lineitem.go\n", "would create cmd/internal/e2e/lineitem_test.go\n",
		"nothing was written (--dry-run)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// Every refusal says why, exits 2 and leaves the repository as it was.
func TestRefusalsWriteNothing(t *testing.T) {
	t.Parallel()
	dir := fakeRepo(t)
	if err := os.MkdirAll(filepath.Join(dir, "domain", "order"), 0o755); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	for _, tc := range []struct {
		args []string
		why  string
	}{
		{[]string{"context", "Invoice", "--fields", fields}, "lower-case"},
		{[]string{"context", "kernel", "--fields", fields}, "reserved"},
		{[]string{"context", "user", "--fields", fields}, "reserved"},
		{[]string{"context", "type", "--fields", fields}, "reserved"},
		{[]string{"context", "order", "--fields", fields}, "domain/order exists"},
		{[]string{"context", "cron_run", "--fields", fields}, "table cron_runs is created already"},
		{[]string{"context", "widget", "--fields", fields}, "route /v1/widgets is served already"},
		{[]string{"context", "gadget", "--fields", fields}, "declares already"},
		{[]string{"context", "invoice", "--fields", "title:string,title:text"}, "the same field"},
		{[]string{"context", "invoice", "--fields", "title:strng"}, "unknown type"},
		{[]string{"context", "invoice", "--fields", "id:uuid"}, "reserved"},
		{[]string{"context", "invoice"}, "--fields is empty"},
		{[]string{"context"}, "context NAME"},
		{[]string{"model", "invoice", "--fields", fields}, "context NAME"},
		{[]string{"context", "invoice", "extra", "--fields", fields}, "context NAME"},
		{[]string{"context", "invoice", "--fields", fields, "--bogus"}, "flag provided but not defined"},
		{[]string{"context", "invoice", "--plural", "user", "--fields", fields}, "key word"},
		{[]string{"context", "invoice", "--plural", strings.Repeat("x", 60), "--fields", fields}, "at most 48"},
	} {
		code, out := gen(dir, tc.args...)
		if code != 2 || !strings.Contains(out, tc.why) {
			t.Errorf("%v: exit %d, want 2 saying %q:\n%s", tc.args, code, tc.why, out)
		}
	}
	if !maps.Equal(before, snapshot(t, dir)) {
		t.Error("a refusal changed the repository")
	}
	if code, out := gen(t.TempDir(), "context", "invoice", "--fields", fields); code != 2 || !strings.Contains(out, "not the root of the Keel repository") {
		t.Errorf("outside a repository: exit %d\n%s", code, out)
	}
}

// A write that fails midway takes back everything it wrote.
func TestFailedWriteLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := fakeRepo(t)
	p, err := prepare(request{Name: "invoice", Fields: fields, Root: dir, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	// A folder where a late file goes (in a folder that exists) makes its creation fail.
	blocker := filepath.Join(dir, "cmd", "internal", "boot", "invoice.go")
	if err := os.MkdirAll(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := p.write(dir); err == nil {
		t.Fatal("write succeeded over a folder")
	}
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, dir); !maps.Equal(before, after) {
		for name := range after {
			if _, ok := before[name]; !ok {
				t.Errorf("left behind: %s", name)
			}
		}
		t.Error("the failed write changed the repository")
	}
}

// The migration is named after the time given, or one second after the latest.
func TestMigrationName(t *testing.T) {
	t.Parallel()
	dir := fakeRepo(t)
	for at, want := range map[string]string{
		"2026-12-24T18:30:00+01:00": "20261224173000_invoices",
		"2026-01-01T00:00:00Z":      "20261130000301_invoices",
		"2026-11-30T00:03:00Z":      "20261130000301_invoices",
	} {
		tm, _ := time.Parse(time.RFC3339, at)
		if got, err := migrationName(dir, "invoices", tm); err != nil || got != want {
			t.Errorf("migrationName(%s) = %q, %v; want %q", at, got, err, want)
		}
	}
}

// README ("Adding a context"): 25 files, 24 when no field needs a type of its own.
func TestFileCount(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]int{fields: 25, "amount:int,done:bool,dueAt:time?,ref:uuid": 24} {
		c, err := newContext("invoice", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.parseFields(spec); err != nil {
			t.Fatal(err)
		}
		if got := len(c.files()); got != want {
			t.Errorf("--fields %q: %d files, want %d", spec, got, want)
		}
	}
}
