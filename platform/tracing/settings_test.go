package tracing_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keelhq/keel/platform/tracing"
)

func env(m map[string]string) tracing.Lookup {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestFromEnvFollowsTheContract(t *testing.T) {
	t.Parallel()
	const ep = "http://collector:4318"
	tests := []struct {
		name string
		vars map[string]string
		on   bool
	}{
		{"nothing set", map[string]string{}, false},
		{"endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": ep}, true},
		{"traces endpoint", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": ep + "/v1/traces"}, true},
		{"exporter otlp alone", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true},
		{"exporter none wins over an endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": ep}, false},
		{"sdk disabled", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": ep}, false},
		{"sdk not disabled", map[string]string{"OTEL_SDK_DISABLED": "false", "OTEL_EXPORTER_OTLP_ENDPOINT": ep}, true},
	}
	for _, tt := range tests {
		s, err := tracing.FromEnv("api", env(tt.vars))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if s.Enabled != tt.on {
			t.Errorf("%s: Enabled = %v, want %v", tt.name, s.Enabled, tt.on)
		}
	}
}

func TestFromEnvNamesTheService(t *testing.T) {
	t.Parallel()
	s, _ := tracing.FromEnv("worker", env(nil))
	if s.ServiceName != "keel-worker" {
		t.Errorf("default service name %q", s.ServiceName)
	}
	s, _ = tracing.FromEnv("worker", env(map[string]string{"OTEL_SERVICE_NAME": "billing-worker"}))
	if s.ServiceName != "billing-worker" {
		t.Errorf("OTEL_SERVICE_NAME ignored: %q", s.ServiceName)
	}
}

func TestFromEnvReadsTheSampler(t *testing.T) {
	t.Parallel()
	on := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318/x"}
	s, err := tracing.FromEnv("api", env(on))
	if err != nil || s.Sampler != "parentbased_always_on" || s.Endpoint != "https://collector:4318" {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
	for sampler, want := range map[string]string{
		"always_on": "always_on", "always_off": "always_off", "traceidratio": "traceidratio(0.25)",
		"parentbased_traceidratio": "parentbased_traceidratio(0.25)", "parentbased_always_off": "parentbased_always_off",
	} {
		vars := map[string]string{"OTEL_TRACES_SAMPLER": sampler, "OTEL_TRACES_SAMPLER_ARG": "0.25"}
		for k, v := range on {
			vars[k] = v
		}
		s, err := tracing.FromEnv("api", env(vars))
		if err != nil || s.Sampler != want {
			t.Errorf("%s: %q, %v; want %q", sampler, s.Sampler, err, want)
		}
	}
}

func TestFromEnvRefusesBadValues(t *testing.T) {
	t.Parallel()
	on := "http://collector:4318"
	for name, vars := range map[string]map[string]string{
		"OTEL_TRACES_EXPORTER":               {"OTEL_TRACES_EXPORTER": "zipkin"},
		"OTEL_SDK_DISABLED":                  {"OTEL_SDK_DISABLED": "yes"},
		"OTEL_EXPORTER_OTLP_PROTOCOL":        {"OTEL_EXPORTER_OTLP_ENDPOINT": on, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
		"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": {"OTEL_EXPORTER_OTLP_ENDPOINT": on, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"},
		"OTEL_EXPORTER_OTLP_ENDPOINT":        {"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"},
		"OTEL_TRACES_SAMPLER":                {"OTEL_EXPORTER_OTLP_ENDPOINT": on, "OTEL_TRACES_SAMPLER": "sometimes"},
		"OTEL_TRACES_SAMPLER_ARG":            {"OTEL_EXPORTER_OTLP_ENDPOINT": on, "OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"},
	} {
		_, err := tracing.FromEnv("api", env(vars))
		if err == nil || !strings.HasPrefix(err.Error(), name+":") {
			t.Errorf("%v: err = %v, want one naming %s", vars, err, name)
		}
	}
}

// TestFromEnvRefusesWhatTheExporterWouldIgnore: the exporter and the batching processor
// read their variables themselves and, given a bad value, print it on standard error
// (an OTLP header's value is an API key) and carry on with a default, or worse: a
// schedule delay of 0 spun a core, a negative queue size panicked. Each is refused at
// start, naming its variable and never quoting a header.
func TestFromEnvRefusesWhatTheExporterWouldIgnore(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-api-key"
	pem := filepath.Join(t.TempDir(), "not-a-ca.pem")
	if err := os.WriteFile(pem, []byte("no certificate here"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ key, value string }{
		{"OTEL_EXPORTER_OTLP_HEADERS", "Authorization: Bearer " + secret},
		{"OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=" + secret + "%zz"},
		{"OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=" + secret + ","},
		{"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "=" + secret},
		{"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-api-key=" + secret + "%0d%0aX-Evil: 1"},
		{"OTEL_EXPORTER_OTLP_TIMEOUT", "10s"},
		{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "0"},
		{"OTEL_EXPORTER_OTLP_TIMEOUT", "-5"},
		{"OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"},
		{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "GZIP"},
		{"OTEL_EXPORTER_OTLP_CERTIFICATE", filepath.Join(t.TempDir(), "missing.pem")},
		{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", pem},
		{"OTEL_SERVICE_NAME", "api\xff"},
		{"OTEL_RESOURCE_ATTRIBUTES", "garbage"},
		{"OTEL_RESOURCE_ATTRIBUTES", "team=core,=x"},
		{"OTEL_RESOURCE_ATTRIBUTES", "team=%zz"},
		{"OTEL_RESOURCE_ATTRIBUTES", "team=%ff"},
		{"OTEL_TRACES_SAMPLER_ARG", "NaN"},
		{"OTEL_BSP_SCHEDULE_DELAY", "0"},
		{"OTEL_BSP_SCHEDULE_DELAY", "-1"},
		{"OTEL_BSP_SCHEDULE_DELAY", " 100"},
		{"OTEL_BSP_EXPORT_TIMEOUT", "30s"},
		{"OTEL_BSP_MAX_QUEUE_SIZE", "-1"},
		{"OTEL_BSP_MAX_QUEUE_SIZE", "0"},
		{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0"},
		{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4096"}, // more than the queue holds
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:pw@collector:4318"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/?key=1"},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces#x"},
	} {
		vars := map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER": "traceidratio", tt.key: tt.value}
		_, err := tracing.FromEnv("api", env(vars))
		if err == nil || !strings.HasPrefix(err.Error(), tt.key+":") {
			t.Errorf("%s=%q: err = %v, want one naming %s", tt.key, tt.value, err, tt.key)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: the complaint quotes the header or spans lines: %q", tt.key, err)
		}
	}
}

func TestFromEnvAcceptsGoodExporterValues(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT":           "http://collector:4318/otlp/",
		"OTEL_EXPORTER_OTLP_HEADERS":            "x-api-key=abc%20def, x-team = core",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS":     "",
		"OTEL_EXPORTER_OTLP_TIMEOUT":            "2500",
		"OTEL_EXPORTER_OTLP_COMPRESSION":        "gzip",
		"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "none",
		"OTEL_SERVICE_NAME":                     "billing-api",
		"OTEL_RESOURCE_ATTRIBUTES":              "deployment.environment=prod, team=core%20team",
		"OTEL_BSP_SCHEDULE_DELAY":               "100",
		"OTEL_BSP_EXPORT_TIMEOUT":               "1000",
		"OTEL_BSP_MAX_QUEUE_SIZE":               "100",
		"OTEL_BSP_MAX_EXPORT_BATCH_SIZE":        "100",
	}
	if s, err := tracing.FromEnv("api", env(vars)); err != nil || !s.Enabled {
		t.Fatalf("%+v, %v", s, err)
	}
}

func TestFromEnvIgnoresExporterValuesWhenOff(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_BSP_SCHEDULE_DELAY": "0", "OTEL_EXPORTER_OTLP_HEADERS": "junk"}
	if s, err := tracing.FromEnv("api", env(vars)); err != nil || s.Enabled {
		t.Fatalf("%+v, %v", s, err)
	}
}

func TestVariablesAreOTELNames(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, v := range tracing.Variables {
		if !strings.HasPrefix(v, "OTEL_") || seen[v] {
			t.Errorf("bad or repeated variable %q", v)
		}
		seen[v] = true
	}
}
