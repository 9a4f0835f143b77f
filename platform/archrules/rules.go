// Package archrules checks Keel's layering rules over an import graph.
//
// The checker is pure: it takes the packages that `go list -deps -json ./...` prints and the
// module path, and returns every import that breaks a rule of ARCHITECTURE.md. The top-level
// directory of a package, relative to the module, is its layer; below domain/ the second path
// element is the bounded context (domain/kernel is the shared kernel, not a context). Load runs
// go list for the module around a directory, so a test can check the real repository.
package archrules

// Rule names one layering rule. Its value is a short, stable name fit for grepping CI logs;
// Sentence says the rule in words.
type Rule string

// The layering rules, one per way an import can go wrong.
const (
	// RuleContextIsolation: a bounded context imports another context.
	RuleContextIsolation Rule = "context-isolation"
	// RuleDomainNoOuterLayer: a context imports application, adapters, platform, cmd or any
	// other module package outside domain and ports.
	RuleDomainNoOuterLayer Rule = "domain-no-outer-layer"
	// RuleDomainNoInfrastructure: a context imports a third-party library that is not on the
	// allowlist of tiny pure libraries.
	RuleDomainNoInfrastructure Rule = "domain-no-infrastructure"
	// RuleKernelPure: domain/kernel imports anything beyond the standard library and the
	// allowlist.
	RuleKernelPure Rule = "kernel-pure"
	// RulePortsPure: ports imports anything beyond the standard library, domain/kernel and
	// the allowlist.
	RulePortsPure Rule = "ports-pure"
	// RuleApplicationNoOuterLayer: application imports a module package other than domain,
	// ports or application itself.
	RuleApplicationNoOuterLayer Rule = "application-no-outer-layer"
	// RuleApplicationNoInfrastructure: application imports a third-party library that is not
	// on the allowlist.
	RuleApplicationNoInfrastructure Rule = "application-no-infrastructure"
	// RulePlatformNoBusiness: platform imports domain, application, adapters or cmd.
	RulePlatformNoBusiness Rule = "platform-no-business"
	// RuleAdaptersNoCmd: adapters imports cmd.
	RuleAdaptersNoCmd Rule = "adapters-no-cmd"
	// RuleMigrationsStandalone: migrations imports domain, application, adapters, platform or
	// cmd.
	RuleMigrationsStandalone Rule = "migrations-standalone"
	// RuleNoCmdImports: a package imports cmd from outside that process's own folder.
	RuleNoCmdImports Rule = "no-cmd-imports"
	// RuleNoBenchImports: a package outside bench imports bench.
	RuleNoBenchImports Rule = "no-bench-imports"
	// RuleTracingSDKInPlatform: a package other than platform/tracing imports the
	// OpenTelemetry SDK or an exporter.
	RuleTracingSDKInPlatform Rule = "tracing-sdk-in-platform"
)

var sentences = map[Rule]string{
	RuleContextIsolation:            "contexts never import each other (share only domain/kernel; meet in application or through events)",
	RuleDomainNoOuterLayer:          "domain imports no outer layer (only the standard library, ports, domain/kernel and its own context)",
	RuleDomainNoInfrastructure:      "no infrastructure library inside the hexagon (domain allows only tiny pure libraries)",
	RuleKernelPure:                  "domain/kernel imports only the standard library and tiny pure libraries",
	RulePortsPure:                   "ports import only the standard library, domain/kernel and tiny pure libraries",
	RuleApplicationNoOuterLayer:     "application imports domain and ports, never adapters, platform, cmd or other outer packages",
	RuleApplicationNoInfrastructure: "application imports no infrastructure library (adapters implement the ports instead)",
	RulePlatformNoBusiness:          "platform never imports domain, application, adapters or cmd",
	RuleAdaptersNoCmd:               "adapters never import cmd",
	RuleMigrationsStandalone:        "migrations never import domain, application, adapters, platform or cmd",
	RuleNoCmdImports:                "nothing outside cmd imports cmd, and no process imports another (cmd/internal is shared wiring)",
	RuleNoBenchImports:              "nothing outside bench imports bench (the load suites and the bare reference server measure Keel; they are not part of it)",
	RuleTracingSDKInPlatform:        "only platform/tracing sets tracing up (the OpenTelemetry SDK and exporters); instrumentation elsewhere uses the API, go.opentelemetry.io/otel/trace, and is given a tracer or none",
	RuleDomainNoWireFormat:          "the domain knows no wire format: no struct tags under domain/ or ports/ (REST resources, rows and job arguments live in adapters, behind converters)",
}

// Sentence returns the rule in words, for a failure message; an unknown rule returns its name.
func (r Rule) Sentence() string {
	if s, ok := sentences[r]; ok {
		return s
	}
	return string(r)
}

// Rules returns every rule in a stable order.
func Rules() []Rule {
	return []Rule{
		RuleContextIsolation,
		RuleDomainNoOuterLayer,
		RuleDomainNoInfrastructure,
		RuleKernelPure,
		RulePortsPure,
		RuleApplicationNoOuterLayer,
		RuleApplicationNoInfrastructure,
		RulePlatformNoBusiness,
		RuleAdaptersNoCmd,
		RuleMigrationsStandalone,
		RuleNoCmdImports,
		RuleNoBenchImports,
		RuleTracingSDKInPlatform,
		RuleDomainNoWireFormat,
	}
}

var pureLibraries = []string{
	"github.com/google/uuid",
	"github.com/invopop/validation",
	// Unicode normalisation and IDNA, for kernel.ParseEmail's canonical addresses: pure
	// table-driven functions from the Go project, no I/O.
	"golang.org/x/text/unicode/norm",
	"golang.org/x/net/idna",
	// Cron expressions, for application/schedule's schedules: only its parser and the
	// schedules' Next are used (pure arithmetic on times); its runner is not.
	"github.com/robfig/cron/v3",
}

// tracingSDK are the OpenTelemetry modules that set tracing up rather than record spans.
var tracingSDK = []string{
	"go.opentelemetry.io/otel/sdk",
	"go.opentelemetry.io/otel/exporters",
}

// PureLibraries returns the third-party import paths that domain, ports and application may
// import, each with everything below it: tiny, pure libraries with no I/O.
func PureLibraries() []string {
	return append([]string(nil), pureLibraries...)
}
