// Command gen writes code in the shape the rest of Keel has. Its one generator so far:
//
//	gen context NAME --fields "title:string,amount:int,dueAt:time,done:bool" [--plural P] [--dry-run] [--time T] [--root DIR]
//
// writes a complete bounded context (domain, PostgreSQL and in-memory repositories,
// HTTP routes, migration, messages, tests) and adds its fx module to Contexts in
// cmd/internal/boot/core.go. It refuses, writing nothing, a name that is taken,
// reserved or malformed, and malformed or duplicate fields. README's "Adding a context"
// tells the rest.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

const usage = `usage: gen context NAME --fields "name:type,..." [--plural PLURAL] [--dry-run] [--time RFC3339] [--root DIR]

NAME is the context's name: lower-case letters and digits, words joined by '_' (invoice, line_item).
Field types: string, string(N), text, text(N), int, bool, time, uuid, decimal, decimal(S), money,
enum(a|b|c); a trailing ? makes a field optional (note:text?).
  --plural   the plural, when English rules get it wrong (table and path: /v1/<plural>)
  --dry-run  list what would be written, and write nothing
  --time     name the migration after this time instead of now (RFC 3339)
  --root     the repository (default: the one around the working directory)`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line args and returns the exit status: 0 done, 1 a failure
// while writing (nothing is left behind), 2 a refusal or bad usage (nothing written).
func run(args []string, stdout, stderr io.Writer) int {
	req, dryRun, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "gen: %v\n\n%s\n", err, usage)
		return 2
	}
	p, err := prepare(req)
	var r *refusal
	switch {
	case errors.As(err, &r):
		fmt.Fprintf(stderr, "gen: %s; nothing was written\n", r.msg)
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "gen: %v; nothing was written\n", err)
		return 1
	}
	verb, edit := "create", "edit  "
	if dryRun {
		verb, edit = "would create", "would edit  "
	}
	for _, f := range p.files {
		fmt.Fprintf(stdout, "%s %s\n", verb, f.Path)
	}
	fmt.Fprintf(stdout, "%s %s: + %s\n", edit, coreFile, p.addedLine(req.Root))
	if dryRun {
		fmt.Fprintf(stdout, "%d files and one line; nothing was written (--dry-run)\n", len(p.files))
		return 0
	}
	if err := p.write(req.Root); err != nil {
		fmt.Fprintf(stderr, "gen: %v; nothing was left written\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "context %s: %d files and one line written; next: `go tool -modfile=tools/go.mod task test` (README: Adding a context)\n",
		p.ctx.Name, len(p.files))
	return 0
}

// parseArgs reads `context NAME` and the flags, which may come before or after NAME.
func parseArgs(args []string) (request, bool, error) {
	var req request
	var dryRun bool
	var at string
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&req.Fields, "fields", "", "")
	fs.StringVar(&req.Plural, "plural", "", "")
	fs.BoolVar(&dryRun, "dry-run", false, "")
	fs.StringVar(&at, "time", "", "")
	fs.StringVar(&req.Root, "root", "", "")
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return req, false, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) != 2 || positional[0] != "context" {
		return req, false, errors.New("want `context NAME`")
	}
	req.Name = positional[1]
	req.At = time.Now()
	if at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return req, false, fmt.Errorf("--time %q is not an RFC 3339 time", at)
		}
		req.At = t
	}
	if req.Root == "" {
		root, err := moduleRoot()
		if err != nil {
			return req, false, err
		}
		req.Root = root
	}
	return req, dryRun, nil
}

// moduleRoot is the folder holding go.mod, from the working directory up.
func moduleRoot() (string, error) {
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
			return "", errors.New("no go.mod in the working directory or above it: run gen in the repository")
		}
		dir = parent
	}
}
