// Package proctest runs the project's real binaries in end-to-end tests: Build compiles
// them once per test binary, Start runs one with captured output, and WaitHTTP and
// WaitOutput wait for it to come up without fixed sleeps.
package proctest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/keelhq/keel/platform/testkit/internal/subproc"
)

// builds caches compiled binaries for the life of the test process, keyed by package.
var builds struct {
	mu      sync.Mutex
	dir     string // per-process directory under os.TempDir, see binDir
	entries map[string]*buildEntry
}

// buildEntry is one package's build, done once however many tests ask for it.
type buildEntry struct {
	once sync.Once
	path string
	err  error
}

// Build compiles the given packages (as `go build` accepts them, e.g. "./cmd/api", relative
// to the module root) and returns each binary's path keyed by the package's last path
// element ("api"). Each package is built once per test process and reused by later calls;
// it is built with -race when the test binary was. The go command comes from PATH, where
// go test puts its own GOROOT/bin first.
func Build(t testing.TB, pkgs ...string) map[string]string {
	t.Helper()
	out := make(map[string]string, len(pkgs))
	for _, pkg := range pkgs {
		name := path.Base(pkg)
		if _, dup := out[name]; dup {
			t.Fatalf("proctest: two packages named %q in one Build call", name)
		}
		e := entry(pkg)
		e.once.Do(func() { e.path, e.err = build(pkg, name) })
		if e.err != nil {
			t.Fatalf("proctest: %v", e.err)
		}
		out[name] = e.path
	}
	return out
}

// entry returns the cache entry for pkg, creating it on first use.
func entry(pkg string) *buildEntry {
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if builds.entries == nil {
		builds.entries = map[string]*buildEntry{}
	}
	e, ok := builds.entries[pkg]
	if !ok {
		e = &buildEntry{}
		builds.entries[pkg] = e
	}
	return e
}

// build runs go build for one package from the module root.
func build(pkg, name string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	dir, err := binDir()
	if err != nil {
		return "", err
	}
	// A directory per package keeps the binary's own name even if two packages share it.
	pkgDir, err := os.MkdirTemp(dir, name+"-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(pkgDir, name)
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s: %v\n%s", strings.Join(cmd.Args[1:], " "), err, msg)
	}
	return bin, nil
}

// binDir returns this process's binary directory, creating it on first use. No hook
// runs when a test binary exits: the directory stays behind and the next test process to
// build removes it (see subproc.TempDir).
func binDir() (string, error) {
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if builds.dir != "" {
		return builds.dir, nil
	}
	dir, err := subproc.TempDir("keel-proctest")
	if err != nil {
		return "", err
	}
	builds.dir = dir
	return dir, nil
}

// ModuleRoot returns the directory holding go.mod, walking up from the working directory
// (go test runs a test binary in its package's directory).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod in the working directory or any parent")
		}
		dir = parent
	}
}
