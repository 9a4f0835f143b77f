package e2e_test

// Helpers of the typed TypeScript client test. Every name here starts with "ts" so that it
// cannot collide with the helpers of other files in this package.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/proctest"
)

// tsClientDir is the example client's directory, relative to the module root.
const tsClientDir = "adapters/http/tsclient"

// tsInstallHint is how to get the tools the typed-client test needs.
const tsInstallHint = "install Node.js 20 or newer with npm (the base image's nodejs, or `apt-get install -y nodejs npm`)"

// tsTools are the node and npm programs.
type tsTools struct{ node, npm string }

// tsToolchain finds node and npm. When one is missing the test is skipped with the way to
// install it, except under CI (CI=true), where it fails: CI must never pass by skipping.
func tsToolchain(t *testing.T) tsTools {
	t.Helper()
	var tools tsTools
	for name, dst := range map[string]*string{"node": &tools.node, "npm": &tools.npm} {
		p, err := exec.LookPath(name)
		if err != nil {
			msg := name + " is not installed: " + tsInstallHint
			if os.Getenv("CI") == "true" {
				t.Fatal(msg + " (CI=true: the typed-client test never skips in CI)")
			}
			t.Skip(msg)
		}
		*dst = p
	}
	return tools
}

// tsExec runs a program in dir with the test's environment plus env and returns its exit
// code and combined output; a program still running after timeout is killed.
func tsExec(t *testing.T, dir string, timeout time.Duration, env []string, name string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s %s: still running after %s\n%s", name, strings.Join(args, " "), timeout, out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	case err != nil:
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return 0, string(out)
}

// tsWorkspace copies the example client's committed files (package.json, the lockfile,
// tsconfig.json and src/*.ts, not generated declarations) into a temporary directory, links
// the installed packages into it, and returns it. The source tree is never written.
func tsWorkspace(t *testing.T, tools tsTools) string {
	t.Helper()
	root, err := proctest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, tsClientDir)
	dir := t.TempDir()
	files := []string{"package.json", "package-lock.json", "tsconfig.json"}
	sources, err := filepath.Glob(filepath.Join(src, "src", "*.ts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sources {
		if !strings.HasSuffix(s, ".d.ts") {
			files = append(files, filepath.Join("src", filepath.Base(s)))
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(tsModules(t, tools, src), filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tsModules returns a node_modules directory installed by `npm ci` from the client's
// package.json and lockfile. Installs are kept in the user's cache directory under a key
// of those two files, so a run after the first costs no install at all, and a changed
// lockfile gets a fresh one.
func tsModules(t *testing.T, tools tsTools, src string) string {
	t.Helper()
	h := sha256.New()
	for _, f := range []string{"package.json", "package-lock.json"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		h.Write(data)
		h.Write([]byte{0})
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	parent := filepath.Join(base, "keel", "tsclient")
	dir := filepath.Join(parent, hex.EncodeToString(h.Sum(nil))[:16])
	done := filepath.Join(dir, "node_modules", ".package-lock.json") // npm ci writes it last
	if _, err := os.Stat(done); err == nil {
		return filepath.Join(dir, "node_modules")
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	stage, err := os.MkdirTemp(parent, "stage-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(stage) // gone after the rename; left only by a failed install
	for _, f := range []string{"package.json", "package-lock.json"} {
		data, _ := os.ReadFile(filepath.Join(src, f))
		if err := os.WriteFile(filepath.Join(stage, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out := tsExec(t, stage, 5*time.Minute, nil, tools.npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts")
	if code != 0 {
		t.Fatalf("npm ci exit %d:\n%s", code, out)
	}
	if err := os.Rename(stage, dir); err != nil {
		// Another test process installed the same key meanwhile: use its copy.
		if _, statErr := os.Stat(done); statErr != nil {
			t.Fatalf("keeping the npm install: %v", err)
		}
	}
	return filepath.Join(dir, "node_modules")
}

// tsGenerate writes doc as the workspace's openapi.json and generates src/schema.d.ts from
// it with the pinned openapi-typescript.
func tsGenerate(t *testing.T, tools tsTools, dir string, doc []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "openapi.json"), doc, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := tsExec(t, dir, 2*time.Minute, nil, tools.node,
		filepath.Join("node_modules", "openapi-typescript", "bin", "cli.js"), "openapi.json", "--output", filepath.Join("src", "schema.d.ts"))
	if code != 0 {
		t.Fatalf("openapi-typescript exit %d:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "src", "schema.d.ts")); errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("openapi-typescript wrote no src/schema.d.ts:\n%s", out)
	}
}

// tsCompile runs the pinned tsc on the workspace (strict, see tsconfig.json) and returns
// its exit code and output; the JavaScript goes to dist/.
func tsCompile(t *testing.T, tools tsTools, dir string) (int, string) {
	t.Helper()
	return tsExec(t, dir, 3*time.Minute, nil, tools.node, filepath.Join("node_modules", "typescript", "bin", "tsc"), "-p", ".")
}

// tsWebSocketFlags returns the node flags that give the global WebSocket the example uses
// (none on Node 22 and newer, --experimental-websocket on Node 20), or false when this
// node has none.
func tsWebSocketFlags(t *testing.T, tools tsTools) ([]string, bool) {
	t.Helper()
	probe := "process.exit(typeof WebSocket === 'function' ? 0 : 1)"
	for _, flags := range [][]string{nil, {"--experimental-websocket"}} {
		if code, _ := tsExec(t, t.TempDir(), time.Minute, nil, tools.node, append(flags, "-e", probe)...); code == 0 {
			return flags, true
		}
	}
	return nil, false
}
