package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sampleFields has every field type, required and optional, enums and decimals of two
// scales: what CI generates in a copy of the repository on every run.
const sampleFields = "title:string,body:text?,amount:int,score:int?,done:bool,flag:bool?,dueAt:time,closedAt:time?," +
	"ref:uuid,parentId:uuid?,price:decimal,fee:money?,ratio:decimal(4)?,status:enum(draft|sent|paid),kind:enum(a|b)?,code:string(12)?"

// TestGeneratedContextInACopy is acceptance point 1 of the generator, on every test run:
// in a copy of the repository, one generator command makes a context with every field
// type, and then, with no edit, gofmt has nothing to say, go vet passes, the context's
// own tests pass (its PostgreSQL contract test on real databases), the architecture,
// catalogue, migration and API-document tests pass with it, and its end-to-end CRUD
// test passes against the real binaries built from the copy, on a database of its own
// migrated up with the new migration.
//
// The copy's folder is the same on every run from one checkout (and runs from it take
// turns): the build cache keys a package by its folder, so an unchanged package is not
// compiled again, and the dependencies are shared with the test run around it (same
// flags, -race included).
func TestGeneratedContextInACopy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a generated context in a copy of the repository")
	}
	t.Parallel()
	start := time.Now()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := lockedCopy(t, root)
	var out bytes.Buffer
	if code := run([]string{"context", "sample", "--fields", sampleFields, "--time", "2026-11-30T12:00:00Z", "--root", dir}, &out, &out); code != 0 {
		t.Fatalf("gen exit %d:\n%s", code, out.String())
	}
	t.Logf("copied and generated in %s", time.Since(start).Round(time.Millisecond))
	var generated []string
	for _, line := range strings.Split(out.String(), "\n") {
		if f, ok := strings.CutPrefix(line, "create "); ok {
			generated = append(generated, f)
		}
	}
	if len(generated) < 20 {
		t.Fatalf("generated %d files:\n%s", len(generated), out.String())
	}

	gofmt := filepath.Join(goEnv(t, "GOROOT"), "bin", "gofmt")
	if msg := inCopy(t, dir, gofmt, append([]string{"-l", coreFile}, goFiles(generated)...)...); strings.TrimSpace(msg) != "" {
		t.Errorf("gofmt -l lists files:\n%s", msg)
	}
	pkgs := []string{"./domain/sample/...", "./adapters/memory/sample", "./adapters/postgres/sample", "./adapters/http/sample"}
	race := []string{}
	if raceEnabled {
		race = append(race, "-race")
	}
	step := time.Now()
	inCopy(t, dir, "go", concat(append([]string{"vet"}, race...), pkgs, []string{"./cmd/internal/boot", "./cmd/internal/e2e"})...)
	t.Logf("go vet: %s", time.Since(step).Round(time.Millisecond))
	step = time.Now()
	inCopy(t, dir, "go", concat(append([]string{"test", "-count=1"}, race...), pkgs,
		[]string{"./platform/archrules", "./platform/i18n", "./migrations", "./cmd/internal/boot"})...)
	t.Logf("the context's tests, and the architecture, catalogue, migration and document tests: %s", time.Since(step).Round(time.Millisecond))
	step = time.Now()
	inCopy(t, dir, "go", concat(append([]string{"test", "-count=1"}, race...), []string{"-run", "^TestSampleCRUD$", "./cmd/internal/e2e"})...)
	t.Logf("the end-to-end CRUD test against the real binaries: %s", time.Since(step).Round(time.Millisecond))
	t.Logf("in all: %s", time.Since(start).Round(time.Millisecond))
}

// lockedCopy copies the repository at root (without .git and what builds and runs leave
// behind) into a folder named after root, taking that folder's lock for the test's
// life; the folder is removed when the test ends.
func lockedCopy(t *testing.T, root string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(os.TempDir(), "keel-gen-ci-"+hex.EncodeToString(sum[:6]))
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = os.RemoveAll(dir)
		_ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
		_ = lock.Close()
	})
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	skip := map[string]bool{".git": true, "bin": true, "tmp": true, "node_modules": true}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() && skip[d.Name()] && rel != "." {
			return filepath.SkipDir
		}
		target := filepath.Join(dir, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			return copyFile(p, target)
		}
		return nil // symlinks and the like are not part of the sources
	})
	if err != nil {
		t.Fatalf("copy the repository: %v", err)
	}
	return dir
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// inCopy runs a command in dir and returns its output, failing the test when it fails.
func inCopy(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func goEnv(t *testing.T, key string) string {
	t.Helper()
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", key, err)
	}
	return strings.TrimSpace(string(out))
}

func goFiles(paths []string) []string {
	var out []string
	for _, p := range paths {
		if strings.HasSuffix(p, ".go") {
			out = append(out, p)
		}
	}
	return out
}

// concat joins lists of arguments.
func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
