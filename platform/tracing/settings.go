// Package tracing sets up OpenTelemetry tracing for a Keel process from the standard OTEL_
// environment variables. It is off by default: when off, New returns a Tracing whose
// Tracer is nil, and every instrumented client (HTTP server, route adapter, PostgreSQL,
// Redis, jobs, outbox relay, WebSocket hub) installs nothing at all, so the request path
// is exactly what it is without tracing.
//
// Tracing is on iff OTEL_TRACES_EXPORTER=otlp, or OTEL_TRACES_EXPORTER is unset and
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set;
// OTEL_SDK_DISABLED=true forces it off. Spans go to an OTLP/HTTP (protobuf) collector
// through a batching processor; the trace context travels as W3C traceparent.
//
// This is the only package that imports the OpenTelemetry SDK and exporter; the
// instrumentation elsewhere uses the API (go.opentelemetry.io/otel/trace) alone.
package tracing

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Variables are the OTEL_ environment variables Keel honours (the README's "Tracing"
// section documents each). The exporter and the batching processor read theirs
// themselves; Keel checks every one of them first (see FromEnv).
var Variables = []string{
	"OTEL_SDK_DISABLED",
	"OTEL_TRACES_EXPORTER",
	"OTEL_EXPORTER_OTLP_ENDPOINT",
	"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
	"OTEL_EXPORTER_OTLP_PROTOCOL",
	"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
	"OTEL_EXPORTER_OTLP_HEADERS",
	"OTEL_EXPORTER_OTLP_TRACES_HEADERS",
	"OTEL_EXPORTER_OTLP_TIMEOUT",
	"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
	"OTEL_EXPORTER_OTLP_COMPRESSION",
	"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
	"OTEL_EXPORTER_OTLP_CERTIFICATE",
	"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
	"OTEL_SERVICE_NAME",
	"OTEL_RESOURCE_ATTRIBUTES",
	"OTEL_TRACES_SAMPLER",
	"OTEL_TRACES_SAMPLER_ARG",
	"OTEL_BSP_SCHEDULE_DELAY",
	"OTEL_BSP_EXPORT_TIMEOUT",
	"OTEL_BSP_MAX_QUEUE_SIZE",
	"OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
}

// protocolHTTP is the only OTLP protocol Keel speaks (collectors listen for it on 4318).
const protocolHTTP = "http/protobuf"

// Settings are the tracing decisions read from the environment.
type Settings struct {
	// Enabled says whether spans are recorded and exported at all.
	Enabled bool
	// ServiceName is service.name: OTEL_SERVICE_NAME, else keel-<process>.
	ServiceName string
	// Endpoint is the collector, for the start-up log (without user information, path
	// or query); empty when the exporter's default (localhost:4318) applies.
	Endpoint string
	// Sampler names the sampler, for the start-up log, e.g. "parentbased_traceidratio(0.1)".
	Sampler string

	sampler   sdktrace.Sampler
	exportURL string // where spans are posted; "" for the exporter's default
}

// Lookup reads one environment variable (os.LookupEnv).
type Lookup func(key string) (string, bool)

// FromEnv decides from the environment whether tracing is on for process and, when it
// is, checks the value of every variable in Variables: a bad one is an error naming its
// variable (never quoting a header or a URL, which may hold a secret), so the process
// refuses to start rather than run without the traces it was asked for.
func FromEnv(process string, lookup Lookup) (Settings, error) {
	get := func(k string) string { v, _ := lookup(k); return strings.TrimSpace(v) }
	s := Settings{ServiceName: "keel-" + process}
	if name := get("OTEL_SERVICE_NAME"); name != "" {
		s.ServiceName = name
	}
	disabled, err := parseBool("OTEL_SDK_DISABLED", get("OTEL_SDK_DISABLED"))
	if err != nil {
		return Settings{}, err
	}
	on, err := exporterOn(lookup, get)
	if err != nil || disabled || !on {
		return Settings{ServiceName: s.ServiceName}, err
	}
	if err := checkProtocol(get); err != nil {
		return Settings{}, err
	}
	// The exporter reads both endpoints (the traces one wins): both are checked.
	for _, key := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
		endpoint := get(key)
		if endpoint == "" {
			continue
		}
		u, err := parseEndpoint(key, endpoint)
		if err != nil {
			return Settings{}, err
		}
		s.Endpoint = u.Scheme + "://" + u.Host
		s.exportURL = endpoint
		if key == "OTEL_EXPORTER_OTLP_ENDPOINT" {
			s.exportURL = strings.TrimSuffix(endpoint, "/") + "/v1/traces"
		}
	}
	s.sampler, s.Sampler, err = parseSampler(get("OTEL_TRACES_SAMPLER"), get("OTEL_TRACES_SAMPLER_ARG"))
	if err != nil {
		return Settings{}, err
	}
	if err := checkExporter(lookup, get); err != nil {
		return Settings{}, err
	}
	s.Enabled = true
	return s, nil
}

// exporterOn applies the contract: on with OTEL_TRACES_EXPORTER=otlp, or with it unset
// and an OTLP endpoint set; off with "none"; any other exporter is refused.
func exporterOn(lookup Lookup, get func(string) string) (bool, error) {
	if _, set := lookup("OTEL_TRACES_EXPORTER"); set {
		switch v := get("OTEL_TRACES_EXPORTER"); v {
		case "otlp":
			return true, nil
		case "none", "":
			return false, nil
		default:
			return false, fmt.Errorf("OTEL_TRACES_EXPORTER: %q is not supported (use otlp or none)", v)
		}
	}
	return get("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "", nil
}

// checkProtocol refuses every OTLP protocol but http/protobuf, the traces-specific
// variable first.
func checkProtocol(get func(string) string) error {
	for _, key := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if v := get(key); v != "" {
			if v != protocolHTTP {
				return fmt.Errorf("%s: %q is not supported (use %s, the collector's port 4318)", key, v, protocolHTTP)
			}
			return nil
		}
	}
	return nil
}

func parseBool(key, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, fmt.Errorf("%s: %q is not true or false", key, v)
}

// errRatio is the complaint about a bad OTEL_TRACES_SAMPLER_ARG.
var errRatio = errors.New("OTEL_TRACES_SAMPLER_ARG: must be a number from 0 to 1")

// parseSampler builds the sampler OTEL_TRACES_SAMPLER names (default
// parentbased_always_on), with the ratio of OTEL_TRACES_SAMPLER_ARG (default 1) for the
// ratio samplers.
func parseSampler(name, arg string) (sdktrace.Sampler, string, error) {
	ratio := 1.0
	if arg != "" && strings.HasSuffix(name, "traceidratio") {
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || !(r >= 0 && r <= 1) { // NaN too
			return nil, "", errRatio
		}
		ratio = r
	}
	withRatio := name + "(" + strconv.FormatFloat(ratio, 'g', -1, 64) + ")"
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), "parentbased_always_on", nil
	case "always_on":
		return sdktrace.AlwaysSample(), name, nil
	case "always_off":
		return sdktrace.NeverSample(), name, nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), name, nil
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(ratio), withRatio, nil
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio)), withRatio, nil
	}
	return nil, "", fmt.Errorf("OTEL_TRACES_SAMPLER: %q is not supported (use always_on, always_off, traceidratio, "+
		"parentbased_always_on, parentbased_always_off or parentbased_traceidratio)", name)
}
