package archrules

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Graph is the import graph of one module, as Load found it.
type Graph struct {
	// Module is the module path from go.mod.
	Module string
	// Dir is the module root: the directory holding go.mod.
	Dir string
	// Packages are the module's packages and all their dependencies, test imports excluded.
	Packages []Package
}

// Violations checks the graph; see Check.
func (g Graph) Violations() []Violation {
	return Check(g.Module, g.Packages)
}

// Load finds the module around dir (walking up from it to go.mod; a relative dir, such as
// ".", is taken from the working directory) and runs `go list -e -deps -json ./...` in its
// root. With -e a package that does not build (say, an embed pattern with no files yet) is
// still listed with its imports: build errors are the compiler's to report, not this check's.
func Load(ctx context.Context, dir string) (Graph, error) {
	root, module, err := FindModule(dir)
	if err != nil {
		return Graph{}, err
	}
	pkgs, err := listPackages(ctx, root)
	if err != nil {
		return Graph{}, err
	}
	return Graph{Module: module, Dir: root, Packages: pkgs}, nil
}

// FindModule walks up from dir to the nearest directory holding go.mod and returns that
// directory and the module path declared in it.
func FindModule(dir string) (root, module string, err error) {
	dir, err = filepath.Abs(dir)
	if err != nil {
		return "", "", fmt.Errorf("find module: %w", err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			module, err := modulePath(data)
			if err != nil {
				return "", "", fmt.Errorf("read %s: %w", filepath.Join(dir, "go.mod"), err)
			}
			return dir, module, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", "", fmt.Errorf("find module: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", "", errors.New("find module: no go.mod in any parent directory")
		}
		dir = parent
	}
}

// modulePath returns the path of the module directive in a go.mod file.
func modulePath(gomod []byte) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "//")
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module")
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t' && rest[0] != '"') {
			continue
		}
		path := strings.TrimSpace(rest)
		if unquoted, err := strconv.Unquote(path); err == nil {
			path = unquoted
		}
		if path != "" {
			return path, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New("no module directive")
}

// listPackages runs `go list -e -deps -json ./...` in dir and decodes its stream of objects.
func listPackages(ctx context.Context, dir string) ([]Package, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-e", "-deps", "-json", "./...")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go list in %s: %w: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	return DecodePackages(&stdout)
}

// DecodePackages decodes a stream of JSON package objects, as `go list -json` prints them.
func DecodePackages(r io.Reader) ([]Package, error) {
	dec := json.NewDecoder(r)
	var pkgs []Package
	for {
		var p Package
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			return pkgs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decode go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
}
