package archrules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Package is one node of the import graph, in the shape `go list -deps -json` prints.
type Package struct {
	// ImportPath is the package's import path.
	ImportPath string
	// Imports are the import paths the package imports directly (no test imports).
	Imports []string
	// Standard reports whether the package belongs to the standard library.
	Standard bool
}

// Violation is one import that breaks a rule.
type Violation struct {
	// Rule is the rule the import breaks.
	Rule Rule
	// From is the import path of the importing package.
	From string
	// To is the import path it imports.
	To string
}

// String formats the violation as one line: the rule name, its sentence and `from -> to`.
func (v Violation) String() string {
	return fmt.Sprintf("%s: %s: %s -> %s", v.Rule, v.Rule.Sentence(), v.From, v.To)
}

// Check returns the imports among pkgs that break a layering rule of the module whose path
// is module, sorted by From, To and Rule. Only packages of the module are checked as
// importers; standard-library and third-party packages in pkgs only tell Check which import
// paths are standard. An import path missing from pkgs counts as standard when its first
// element has no dot.
func Check(module string, pkgs []Package) []Violation {
	standard := make(map[string]bool, len(pkgs))
	for _, p := range pkgs {
		standard[p.ImportPath] = p.Standard
	}
	c := classifier{module: module, standard: standard}
	var out []Violation
	for _, p := range pkgs {
		from := c.classify(p.ImportPath)
		if from.kind != kindModule {
			continue
		}
		for _, imp := range p.Imports {
			if rule, bad := judge(from, c.classify(imp)); bad {
				out = append(out, Violation{Rule: rule, From: p.ImportPath, To: imp})
			}
		}
	}
	slices.SortFunc(out, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.Rule, b.Rule))
	})
	return slices.Compact(out)
}

type kind int

const (
	kindStandard   kind = iota // the standard library
	kindPure                   // a third-party library on the allowlist
	kindThirdParty             // any other third-party library
	kindTracingSDK             // the OpenTelemetry SDK and exporters (third-party)
	kindModule                 // a package of the checked module
)

// node is an import path classified against the module.
type node struct {
	kind kind
	// layer is the module-relative top-level directory ("" for the module root).
	layer string
	// sub is the second path element: the context under domain, the process under cmd.
	sub string
}

func (n node) in(layers ...string) bool {
	return n.kind == kindModule && slices.Contains(layers, n.layer)
}

func (n node) isKernel() bool { return n.in("domain") && n.sub == "kernel" }

// allowedEverywhere reports whether even the innermost layer may import n.
func (n node) allowedEverywhere() bool { return n.kind == kindStandard || n.kind == kindPure }

type classifier struct {
	module   string
	standard map[string]bool
}

func (c classifier) classify(path string) node {
	if rel, ok := c.relative(path); ok {
		parts := strings.SplitN(rel, "/", 3)
		n := node{kind: kindModule, layer: parts[0]}
		if len(parts) > 1 {
			n.sub = parts[1]
		}
		return n
	}
	if c.isStandard(path) {
		return node{kind: kindStandard}
	}
	for _, lib := range pureLibraries {
		if within(path, lib) {
			return node{kind: kindPure}
		}
	}
	for _, lib := range tracingSDK {
		if within(path, lib) {
			return node{kind: kindTracingSDK}
		}
	}
	return node{kind: kindThirdParty}
}

// relative returns path relative to the module ("" for the module root) and whether path
// belongs to the module at all.
func (c classifier) relative(path string) (string, bool) {
	if path == c.module {
		return "", true
	}
	rel, ok := strings.CutPrefix(path, c.module+"/")
	return rel, ok
}

// isStandard trusts the graph and, for a path missing from it, the go command's own rule:
// standard import paths have no dot in their first element.
func (c classifier) isStandard(path string) bool {
	if std, known := c.standard[path]; known {
		return std
	}
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// within reports whether path is root or below it.
func within(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+"/")
}
