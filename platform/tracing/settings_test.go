package tracing_test

import (
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
	on := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://user:pw@collector:4318/x?y=1"}
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
