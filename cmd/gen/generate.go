package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// module is the module the generator writes into.
const module = "github.com/keelhq/keel"

// coreFile holds the one registering line: the list of the contexts' fx modules.
const coreFile = "cmd/internal/boot/core.go"

// request is what to generate, from the command line.
type request struct {
	Name, Fields, Plural string
	Root                 string    // the repository
	At                   time.Time // names the migration
}

// plan is everything a generation writes: new files, and the edit of coreFile.
type plan struct {
	ctx   *Context
	files []output
	edit  output
}

// refusal is a request the generator declines; nothing is written.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

func refuse(format string, args ...any) error { return &refusal{fmt.Sprintf(format, args...)} }

// prepare checks the request against the repository and renders every file in memory.
func prepare(req request) (*plan, error) {
	c, err := newContext(req.Name, req.Plural)
	if err != nil {
		return nil, &refusal{err.Error()}
	}
	if err := c.parseFields(req.Fields); err != nil {
		return nil, &refusal{err.Error()}
	}
	if err := checkModule(req.Root); err != nil {
		return nil, err
	}
	if c.Migration, err = migrationName(req.Root, c.Table, req.At); err != nil {
		return nil, err
	}
	if err := checkRepository(req.Root, c); err != nil {
		return nil, err
	}
	files, err := c.render()
	if err != nil {
		return nil, err
	}
	if err := checkDeclarations(req.Root, c, files); err != nil {
		return nil, err
	}
	edit, err := register(req.Root, c)
	if err != nil {
		return nil, err
	}
	return &plan{ctx: c, files: files, edit: edit}, nil
}

// checkModule refuses a root that is not a Keel repository.
func checkModule(root string) error {
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return refuse("%s is not the root of the Keel repository (no go.mod): run the generator there", root)
	}
	line, _, _ := bytes.Cut(mod, []byte("\n"))
	if strings.TrimSpace(strings.TrimPrefix(string(line), "module")) != module {
		return refuse("%s holds module %s, not %s", root, bytes.TrimSpace(line), module)
	}
	return nil
}

// migrationName names the migration after t (UTC, to the second), or one second after
// the latest migration when t is not later: a new table's migration runs after those
// of the tables it refers to.
func migrationName(root, table string, t time.Time) (string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "migrations"))
	if err != nil {
		return "", fmt.Errorf("read migrations: %w", err)
	}
	stamp := regexp.MustCompile(`^(\d{14})_`)
	latest := time.Time{}
	for _, e := range entries {
		if m := stamp.FindStringSubmatch(e.Name()); m != nil {
			if at, err := time.Parse("20060102150405", m[1]); err == nil && at.After(latest) {
				latest = at
			}
		}
	}
	t = t.UTC().Truncate(time.Second)
	if !t.After(latest) {
		t = latest.Add(time.Second)
	}
	return t.Format("20060102150405") + "_" + table, nil
}

// checkRepository refuses a context whose folders, table or routes exist already.
func checkRepository(root string, c *Context) error {
	for _, dir := range []string{"domain/", "adapters/postgres/", "adapters/memory/", "adapters/http/", "adapters/", "application/"} {
		if _, err := os.Stat(filepath.Join(root, dir, c.Pkg)); err == nil {
			return refuse("%s%s exists: a context, or a package it would meet, is already named %s (was the generator run for it before?)", dir, c.Pkg, c.Pkg)
		}
	}
	for _, f := range c.files() {
		if _, err := os.Stat(filepath.Join(root, f.path)); err == nil {
			return refuse("%s exists: was the generator run for %s before?", f.path, c.Name)
		}
	}
	where, err := grep(root, "migrations", ".sql", regexp.MustCompile(`(?i)CREATE TABLE (IF NOT EXISTS )?"?`+c.Table+`"?[\s(]`))
	if err != nil {
		return err
	}
	if where != "" {
		return refuse("table %s is created already (%s): choose another name, or another --plural", c.Table, where)
	}
	if where, err = grep(root, "adapters", ".go", regexp.MustCompile(`"`+regexp.QuoteMeta(c.Path)+`["/]`)); err != nil {
		return err
	}
	if where != "" {
		return refuse("route %s is served already (%s): choose another name, or another --plural", c.Path, where)
	}
	return nil
}

// grep returns the first file under dir (with the suffix) where re matches, or "". Go test
// files are skipped: a route a test makes up for itself serves nothing.
func grep(root, dir, suffix string, re *regexp.Regexp) (string, error) {
	found := ""
	err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, suffix) || strings.HasSuffix(p, "_test.go") || found != "" {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && re.Match(b) {
			found, _ = filepath.Rel(root, p)
		}
		return err
	})
	return found, err
}

// checkDeclarations refuses generated code that would declare a name twice: two fields
// spelled into one Go name, or a file that meets a name its package (cmd/internal/boot,
// cmd/internal/e2e) declares already.
func checkDeclarations(root string, c *Context, files []output) error {
	byDir := map[string]map[string]string{} // dir -> name -> file declaring it
	for _, f := range files {
		if path.Ext(f.Path) != ".go" {
			continue
		}
		dir := path.Dir(f.Path)
		if byDir[dir] == nil {
			existing, err := declared(filepath.Join(root, filepath.FromSlash(dir)))
			if err != nil {
				return err
			}
			byDir[dir] = existing
		}
		names, err := topLevel(f.Path, f.Content)
		if err != nil {
			return err
		}
		for _, n := range names {
			if where, dup := byDir[dir][n]; dup {
				return refuse("%s would declare %s, which %s declares already: rename the context or the field that makes it", f.Path, n, where)
			}
			byDir[dir][n] = f.Path
		}
	}
	return nil
}

// declared returns the top-level names the Go files of dir declare, its tests' included
// (a package's internal tests share its names); none for a folder that does not exist yet.
func declared(dir string) (map[string]string, error) {
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		names, err := topLevel(name, src)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			out[n] = filepath.ToSlash(filepath.Join(filepath.Base(dir), name))
		}
	}
	return out, nil
}

// topLevel returns the names a Go file declares at package level (methods excluded).
func topLevel(name string, src []byte) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	var out []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name != "init" && d.Name.Name != "_" {
				out = append(out, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					out = append(out, s.Name.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.Name != "_" {
							out = append(out, n.Name)
						}
					}
				}
			}
		}
	}
	return out, nil
}

// register returns coreFile with the context's module added to Contexts: the one line
// a generation adds to an existing file.
func register(root string, c *Context) (output, error) {
	name := filepath.Join(root, filepath.FromSlash(coreFile))
	src, err := os.ReadFile(name)
	if err != nil {
		return output{}, fmt.Errorf("read %s: %w", coreFile, err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), coreFile, src, parser.SkipObjectResolution)
	if err != nil {
		return output{}, fmt.Errorf("parse %s: %w", coreFile, err)
	}
	call := contextsCall(f)
	if call == nil {
		return output{}, refuse("%s has no `var Contexts = fx.Options(...)`: register the module by hand", coreFile)
	}
	for _, arg := range call.Args {
		if id, ok := arg.(*ast.Ident); ok && id.Name == c.Type {
			return output{}, refuse("%s lists %s already", coreFile, c.Type)
		}
	}
	fset := token.NewFileSet()
	f, _ = parser.ParseFile(fset, coreFile, src, parser.SkipObjectResolution|parser.ParseComments)
	call = contextsCall(f)
	at := fset.Position(call.Rparen).Offset
	lineStart := bytes.LastIndexByte(src[:at], '\n') + 1
	if strings.TrimSpace(string(src[lineStart:at])) != "" {
		return output{}, refuse("%s: end the list of Contexts with a line of its own holding `)`", coreFile)
	}
	line := fmt.Sprintf("\t%s, // %s (made by cmd/gen)\n", c.Type, c.HumanPlural)
	edited := slices.Concat(src[:lineStart], []byte(line), src[lineStart:])
	formatted, err := format.Source(edited)
	if err != nil {
		return output{}, fmt.Errorf("register in %s: %w", coreFile, err)
	}
	return output{Path: coreFile, Content: formatted}, nil
}

// contextsCall finds the call that Contexts is initialised with.
func contextsCall(f *ast.File) *ast.CallExpr {
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			if len(v.Names) == 1 && v.Names[0].Name == "Contexts" && len(v.Values) == 1 {
				if call, ok := v.Values[0].(*ast.CallExpr); ok {
					return call
				}
			}
		}
	}
	return nil
}

// addedLine returns the line the edit adds to coreFile.
func (p *plan) addedLine(root string) string {
	old, _ := os.ReadFile(filepath.Join(root, filepath.FromSlash(coreFile)))
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(old))
	for sc.Scan() {
		seen[sc.Text()]++
	}
	sc = bufio.NewScanner(bytes.NewReader(p.edit.Content))
	for sc.Scan() {
		if seen[sc.Text()] == 0 {
			return strings.TrimSpace(sc.Text())
		}
		seen[sc.Text()]--
	}
	return ""
}
