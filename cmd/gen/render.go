package main

import (
	"bytes"
	"embed"
	"fmt"
	"go/format"
	"path"
	"strconv"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// templates are every template, parsed once.
var templates = template.Must(template.New("gen").Funcs(template.FuncMap{
	"quote": strconv.Quote,
	"raw":   raw,
	"join":  strings.Join,
}).ParseFS(templateFS, "templates/*.tmpl"))

// output is one file the generator writes, with its content.
type output struct {
	Path    string // relative to the repository root, with forward slashes
	Content []byte
}

// file names a file to write and the template that makes it.
type file struct {
	path, template string
}

// files lists what a context consists of, in the order they are written.
func (c *Context) files() []file {
	d, pg, mem, web := "domain/"+c.Pkg, "adapters/postgres/"+c.Pkg, "adapters/memory/"+c.Pkg, "adapters/http/"+c.Pkg
	fs := []file{
		{d + "/" + c.Pkg + ".go", "domain_entity.go.tmpl"},
		{d + "/actions.go", "domain_actions.go.tmpl"},
		{d + "/policy.go", "domain_policy.go.tmpl"},
		{d + "/ports.go", "domain_ports.go.tmpl"},
		{d + "/errors.go", "domain_errors.go.tmpl"},
		{d + "/events.go", "domain_events.go.tmpl"},
	}
	if c.HasFields() {
		fs = append(fs, file{d + "/fields.go", "domain_fields.go.tmpl"})
	}
	return append(fs,
		file{d + "/" + c.Pkg + "_test.go", "domain_entity_test.go.tmpl"},
		file{d + "/actions_test.go", "domain_actions_test.go.tmpl"},
		file{d + "/" + c.Pkg + "test/" + c.Pkg + "test.go", "domain_contract.go.tmpl"},
		file{d + "/" + c.Pkg + "test/list.go", "domain_contract_list.go.tmpl"},
		file{mem + "/" + c.Pkg + ".go", "memory.go.tmpl"},
		file{mem + "/" + c.Pkg + "_test.go", "memory_test.go.tmpl"},
		file{pg + "/" + c.Pkg + ".go", "postgres.go.tmpl"},
		file{pg + "/" + c.Pkg + "_test.go", "postgres_test.go.tmpl"},
		file{web + "/" + c.Pkg + ".go", "http.go.tmpl"},
		file{web + "/input.go", "http_input.go.tmpl"},
		file{web + "/" + c.Pkg + "_test.go", "http_test.go.tmpl"},
		file{"cmd/internal/boot/" + c.Pkg + ".go", "boot.go.tmpl"},
		file{"cmd/internal/e2e/" + c.Pkg + "_test.go", "e2e_test.go.tmpl"},
		file{"migrations/" + c.Migration + ".up.sql", "migration.up.sql.tmpl"},
		file{"migrations/" + c.Migration + ".down.sql", "migration.down.sql.tmpl"},
		file{"platform/i18n/locales/" + c.Name + ".en.json", "locale.en.json.tmpl"},
		file{"platform/i18n/locales/" + c.Name + ".de.json", "locale.de.json.tmpl"},
		file{"platform/i18n/locales/" + c.Name + ".es.json", "locale.es.json.tmpl"},
	)
}

// render makes every file of the context, Go sources formatted as gofmt would.
func (c *Context) render() ([]output, error) {
	var out []output
	for _, f := range c.files() {
		var buf bytes.Buffer
		if err := templates.ExecuteTemplate(&buf, f.template, c); err != nil {
			return nil, fmt.Errorf("render %s: %w", f.path, err)
		}
		content := buf.Bytes()
		if path.Ext(f.path) == ".go" {
			formatted, err := format.Source(content)
			if err != nil {
				return nil, fmt.Errorf("render %s: the template made Go that does not parse (a bug of the generator): %w\n%s", f.path, err, numbered(content))
			}
			content = formatted
		}
		out = append(out, output{Path: f.path, Content: content})
	}
	return out, nil
}

// numbered returns src with line numbers, for a report of a template's bug.
func numbered(src []byte) string {
	var b strings.Builder
	for i, line := range strings.Split(string(src), "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, line)
	}
	return b.String()
}

// raw writes s as a Go raw string literal when it can (JSON reads better without Go's
// escapes), else as an interpreted one.
func raw(s string) string {
	if strings.ContainsAny(s, "`\r") {
		return strconv.Quote(s)
	}
	return "`" + s + "`"
}
