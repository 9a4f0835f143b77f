package archrules

import (
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/keelhq/keel"

// abs turns a module-relative path ("." or "./domain/user") into an import path and leaves
// any other path as it is.
func abs(path string) string {
	if path == "." {
		return mod
	}
	if rel, ok := strings.CutPrefix(path, "./"); ok {
		return mod + "/" + rel
	}
	return path
}

// judgeCases holds one import per case and the rule it breaks, covering every rule both
// ways: each can fail, and the imports it allows pass.
var judgeCases = []struct {
	name     string
	from, to string
	want     Rule // "" when the import is allowed
}{
	// 1. domain/<ctx>
	{"context imports the standard library", "./domain/user", "context", ""},
	{"context imports ports", "./domain/user", "./ports", ""},
	{"context imports a port subpackage", "./domain/user", "./ports/mailer", ""},
	{"context imports the kernel", "./domain/user", "./domain/kernel", ""},
	{"context imports a kernel subpackage", "./domain/user", "./domain/kernel/locale", ""},
	{"context imports its own subpackage", "./domain/user", "./domain/user/password", ""},
	{"context subpackage imports its context", "./domain/user/password", "./domain/user", ""},
	{"context imports uuid", "./domain/user", "github.com/google/uuid", ""},
	{"context imports validation", "./domain/user", "github.com/invopop/validation", ""},
	{"context imports validation/is", "./domain/user", "github.com/invopop/validation/is", ""},
	{"context imports another context", "./domain/user", "./domain/auth", RuleContextIsolation},
	{"context imports another context's subpackage", "./domain/user", "./domain/auth/token", RuleContextIsolation},
	{"context imports the domain root", "./domain/user", "./domain", RuleContextIsolation},
	{"context imports application", "./domain/user", "./application", RuleDomainNoOuterLayer},
	{"context imports adapters", "./domain/user", "./adapters/postgres/user", RuleDomainNoOuterLayer},
	{"context imports platform", "./domain/user", "./platform/database", RuleDomainNoOuterLayer},
	{"context imports cmd", "./domain/user", "./cmd/api", RuleDomainNoOuterLayer},
	{"context imports migrations", "./domain/user", "./migrations", RuleDomainNoOuterLayer},
	{"context imports bun", "./domain/user", "github.com/uptrace/bun", RuleDomainNoInfrastructure},
	{"context imports fiber", "./domain/auth", "github.com/gofiber/fiber/v2", RuleDomainNoInfrastructure},
	{"context imports a look-alike of uuid", "./domain/user", "github.com/google/uuidx", RuleDomainNoInfrastructure},
	{"context imports x/crypto", "./domain/auth", "golang.org/x/crypto/bcrypt", RuleDomainNoInfrastructure},
	// 2. domain/kernel
	{"kernel imports the standard library", "./domain/kernel", "net/mail", ""},
	{"kernel imports uuid", "./domain/kernel", "github.com/google/uuid", ""},
	{"kernel imports its subpackage", "./domain/kernel", "./domain/kernel/locale", ""},
	{"kernel imports ports", "./domain/kernel", "./ports", RuleKernelPure},
	{"kernel imports a context", "./domain/kernel", "./domain/user", RuleKernelPure},
	{"kernel imports platform", "./domain/kernel", "./platform/database", RuleKernelPure},
	{"kernel imports bun", "./domain/kernel", "github.com/uptrace/bun", RuleKernelPure},
	// 3. ports
	{"ports imports the standard library", "./ports", "time", ""},
	{"ports imports the kernel", "./ports", "./domain/kernel", ""},
	{"ports imports its subpackage", "./ports", "./ports/events", ""},
	{"ports imports validation", "./ports", "github.com/invopop/validation", ""},
	{"ports imports a context", "./ports", "./domain/user", RulePortsPure},
	{"ports imports application", "./ports", "./application", RulePortsPure},
	{"ports imports adapters", "./ports", "./adapters/redis", RulePortsPure},
	{"ports imports redis", "./ports", "github.com/redis/go-redis/v9", RulePortsPure},
	// 4. application
	{"application imports a context", "./application", "./domain/user", ""},
	{"application imports the kernel", "./application/signup", "./domain/kernel", ""},
	{"application imports ports", "./application", "./ports", ""},
	{"application imports itself", "./application/signup", "./application", ""},
	{"application imports uuid", "./application", "github.com/google/uuid", ""},
	{"application imports adapters", "./application", "./adapters/http", RuleApplicationNoOuterLayer},
	{"application imports platform", "./application", "./platform/database", RuleApplicationNoOuterLayer},
	{"application imports cmd", "./application", "./cmd/worker", RuleApplicationNoOuterLayer},
	{"application imports bun", "./application", "github.com/uptrace/bun", RuleApplicationNoInfrastructure},
	{"application imports fx", "./application", "go.uber.org/fx", RuleApplicationNoInfrastructure},
	// 5. platform
	{"platform imports bun", "./platform/database", "github.com/uptrace/bun", ""},
	{"platform imports ports", "./platform/health", "./ports", ""},
	{"platform imports platform", "./platform/server", "./platform/database", ""},
	{"platform imports migrations", "./platform/database", "./migrations", ""},
	{"platform imports a context", "./platform/database", "./domain/user", RulePlatformNoBusiness},
	{"platform imports the kernel", "./platform/i18n", "./domain/kernel", RulePlatformNoBusiness},
	{"platform imports application", "./platform/config", "./application", RulePlatformNoBusiness},
	{"platform imports adapters", "./platform/health", "./adapters/redis", RulePlatformNoBusiness},
	{"platform imports cmd", "./platform/config", "./cmd/api", RulePlatformNoBusiness},
	// 6. adapters
	{"adapters imports application", "./adapters/http", "./application", ""},
	{"adapters imports a context", "./adapters/postgres/user", "./domain/user", ""},
	{"adapters imports platform", "./adapters/postgres", "./platform/database", ""},
	{"adapters imports fiber", "./adapters/http", "github.com/gofiber/fiber/v2", ""},
	{"adapters imports cmd", "./adapters/http", "./cmd/api", RuleAdaptersNoCmd},
	// 7. migrations
	{"migrations imports bun", "./migrations", "github.com/uptrace/bun/migrate", ""},
	{"migrations imports a context", "./migrations", "./domain/user", RuleMigrationsStandalone},
	{"migrations imports application", "./migrations", "./application", RuleMigrationsStandalone},
	{"migrations imports adapters", "./migrations", "./adapters/postgres", RuleMigrationsStandalone},
	{"migrations imports platform", "./migrations", "./platform/database", RuleMigrationsStandalone},
	{"migrations imports cmd", "./migrations", "./cmd/migrate", RuleMigrationsStandalone},
	// 8. cmd
	{"cmd imports everything", "./cmd/api", "./adapters/http", ""},
	{"cmd imports platform", "./cmd/worker", "./platform/database", ""},
	{"cmd imports fx", "./cmd/cron", "go.uber.org/fx", ""},
	{"cmd imports its own subpackage", "./cmd/gen", "./cmd/gen/templates", ""},
	{"cmd imports the shared wiring", "./cmd/api", "./cmd/internal/boot", ""},
	{"cmd imports another process", "./cmd/api", "./cmd/worker", RuleNoCmdImports},
	{"cmd imports another process", "./cmd/api", "./cmd/worker", RuleNoCmdImports},
	{"cmd subpackage imports another process", "./cmd/gen/templates", "./cmd/migrate", RuleNoCmdImports},
	{"module root imports cmd", ".", "./cmd/api", RuleNoCmdImports},
	{"an unknown layer imports cmd", "./internal/x", "./cmd/api", RuleNoCmdImports},
	{"an unknown layer imports adapters", "./internal/x", "./adapters/http", ""},
	// 9. bench
	{"cmd imports the reference server", "./cmd/api", "./bench/reference", RuleNoBenchImports},
	{"adapters import the load suite", "./adapters/http", "./bench/load", RuleNoBenchImports},
	{"the load suite imports an adapter", "./bench/load", "./adapters/argon2id", ""},
	{"one bench package imports another", "./bench/load", "./bench/reference", ""},
	// 10. tracing
	{"platform/tracing imports the SDK", "./platform/tracing", "go.opentelemetry.io/otel/sdk/trace", ""},
	{"platform/tracing imports an exporter", "./platform/tracing", "go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp", ""},
	{"an adapter imports the tracing API", "./adapters/http/route", "go.opentelemetry.io/otel/trace", ""},
	{"platform imports the tracing API", "./platform/database", "go.opentelemetry.io/otel/trace", ""},
	{"an adapter imports the SDK", "./adapters/jobs", "go.opentelemetry.io/otel/sdk/trace", RuleTracingSDKInPlatform},
	{"another platform package imports the SDK", "./platform/database", "go.opentelemetry.io/otel/sdk", RuleTracingSDKInPlatform},
	{"cmd imports an exporter", "./cmd/internal/boot", "go.opentelemetry.io/otel/exporters/otlp/otlptrace", RuleTracingSDKInPlatform},
	{"a look-alike of the SDK is another library", "./adapters/jobs", "go.opentelemetry.io/otel/sdkx", ""},
	{"a context imports the SDK", "./domain/user", "go.opentelemetry.io/otel/sdk/trace", RuleDomainNoInfrastructure},
	{"application imports the SDK", "./application/identity", "go.opentelemetry.io/otel/sdk/trace", RuleApplicationNoInfrastructure},
}

func TestCheckJudgesEachImport(t *testing.T) {
	for _, tt := range judgeCases {
		t.Run(tt.name, func(t *testing.T) {
			from, to := abs(tt.from), abs(tt.to)
			got := Check(mod, []Package{{ImportPath: from, Imports: []string{to}}})
			var want []Violation
			if tt.want != "" {
				want = []Violation{{Rule: tt.want, From: from, To: to}}
			}
			if !slices.Equal(got, want) {
				t.Errorf("Check(%s -> %s) = %v, want %v", from, to, got, want)
			}
		})
	}
}

func TestCheckSkipsPackagesOutsideTheModule(t *testing.T) {
	pkgs := []Package{
		{ImportPath: "github.com/uptrace/bun", Imports: []string{"github.com/keelhq/keel/cmd/api", "database/sql"}},
		{ImportPath: "net/http", Imports: []string{"vendor/golang.org/x/net/http/httpguts"}, Standard: true},
		{ImportPath: "github.com/keelhq/keelish/domain/user", Imports: []string{"github.com/uptrace/bun"}},
	}
	if got := Check(mod, pkgs); len(got) != 0 {
		t.Errorf("Check = %v, want no violations", got)
	}
}

func TestCheckTrustsTheGraphOnStandardPackages(t *testing.T) {
	const dotless = "keel" // a module path with no dot must still be told from the standard library
	pkgs := []Package{
		{ImportPath: "keel/domain/user", Imports: []string{"fmt", "keel/domain/auth", "corp/lib"}},
		{ImportPath: "fmt", Standard: true},
		{ImportPath: "corp/lib"}, // dotless but not standard: the graph says so
	}
	want := []Violation{
		{Rule: RuleDomainNoInfrastructure, From: "keel/domain/user", To: "corp/lib"},
		{Rule: RuleContextIsolation, From: "keel/domain/user", To: "keel/domain/auth"},
	}
	if got := Check(dotless, pkgs); !slices.Equal(got, want) {
		t.Errorf("Check = %v, want %v", got, want)
	}
}

func TestCheckSortsAndDeduplicates(t *testing.T) {
	pkgs := []Package{
		{ImportPath: abs("./platform/config"), Imports: []string{abs("./domain/user"), abs("./application")}},
		{ImportPath: abs("./domain/user"), Imports: []string{"github.com/uptrace/bun", abs("./domain/auth")}},
		{ImportPath: abs("./domain/user"), Imports: []string{abs("./domain/auth")}},
	}
	want := []Violation{
		{Rule: RuleContextIsolation, From: abs("./domain/user"), To: abs("./domain/auth")},
		{Rule: RuleDomainNoInfrastructure, From: abs("./domain/user"), To: "github.com/uptrace/bun"},
		{Rule: RulePlatformNoBusiness, From: abs("./platform/config"), To: abs("./application")},
		{Rule: RulePlatformNoBusiness, From: abs("./platform/config"), To: abs("./domain/user")},
	}
	if got := Check(mod, pkgs); !slices.Equal(got, want) {
		t.Errorf("Check =\n%v\nwant\n%v", got, want)
	}
}

func TestViolationStringNamesRuleAndImport(t *testing.T) {
	v := Violation{Rule: RuleContextIsolation, From: abs("./domain/user"), To: abs("./domain/auth")}
	want := "context-isolation: contexts never import each other (share only domain/kernel; meet in " +
		"application or through events): github.com/keelhq/keel/domain/user -> github.com/keelhq/keel/domain/auth"
	if got := v.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestRulesAreNamedAndExplained(t *testing.T) {
	seen := map[Rule]bool{}
	for _, r := range Rules() {
		if seen[r] {
			t.Errorf("rule %q listed twice", r)
		}
		seen[r] = true
		if r.Sentence() == string(r) || r.Sentence() == "" {
			t.Errorf("rule %q has no sentence", r)
		}
	}
	if len(seen) != len(sentences) {
		t.Errorf("Rules() lists %d rules, sentences explain %d", len(seen), len(sentences))
	}
	if got := Rule("made-up").Sentence(); got != "made-up" {
		t.Errorf("unknown rule sentence = %q, want its name", got)
	}
}

func TestPureLibrariesReturnsACopy(t *testing.T) {
	libs := PureLibraries()
	libs[0] = "github.com/uptrace/bun"
	if slices.Contains(PureLibraries(), "github.com/uptrace/bun") {
		t.Error("PureLibraries exposes its backing array")
	}
}
