package archrules

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
)

// RuleDomainNoWireFormat: a struct under domain/ or ports/ carries a serialisation tag
// (json, bun, yaml, ...). Wire and storage formats live in adapters, behind converters.
const RuleDomainNoWireFormat Rule = "domain-no-wire-format"

// TagViolation is one tagged struct field.
type TagViolation struct {
	// Pos is file:line of the field.
	Pos string
	// Field names the field and Tag is its tag.
	Field, Tag string
}

// WireTags returns every struct field with a tag in the non-test Go files below the
// domain and ports folders of the module at root.
func WireTags(root string) ([]TagViolation, error) {
	var out []TagViolation
	fset := token.NewFileSet()
	for _, dir := range []string{"domain", "ports"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				field, ok := n.(*ast.Field)
				if ok && field.Tag != nil {
					name := "(embedded)"
					if len(field.Names) > 0 {
						name = field.Names[0].Name
					}
					p := fset.Position(field.Pos())
					out = append(out, TagViolation{Pos: fmt.Sprintf("%s:%d", p.Filename, p.Line), Field: name, Tag: field.Tag.Value})
				}
				return true
			})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
