package config

import (
	"bytes"
	"errors"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultsPerProcess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		process, addr string
	}{
		{ProcessAPI, ":8080"},
		{ProcessWorker, ":8081"},
		{ProcessCron, ":8082"},
		{ProcessMigrate, ""},
		{ProcessAdmin, ""},
	}
	for _, tt := range tests {
		t.Run(tt.process, func(t *testing.T) {
			t.Parallel()
			cfg, err := LoadFrom(tt.process, map[string]string{})
			if err != nil {
				t.Fatalf("defaults do not load: %v", err)
			}
			if cfg.Process != tt.process {
				t.Errorf("Process = %q, want %q", cfg.Process, tt.process)
			}
			if cfg.HTTPAddr != tt.addr {
				t.Errorf("HTTPAddr = %q, want %q", cfg.HTTPAddr, tt.addr)
			}
			if cfg.Env != EnvDevelopment || cfg.IsProduction() {
				t.Errorf("Env = %q, want development", cfg.Env)
			}
			if cfg.LogLevel != "info" {
				t.Errorf("LogLevel = %q", cfg.LogLevel)
			}
			if cfg.HTTP.BodyLimit != 1<<20 {
				t.Errorf("BodyLimit = %d, want 1 MiB", cfg.HTTP.BodyLimit)
			}
			if cfg.Database.URL != "postgres://postgres@127.0.0.1:5432/keel?sslmode=disable" {
				t.Errorf("Database.URL = %q", cfg.Database.URL)
			}
			if cfg.Redis.URL != defaultRedisURL || !cfg.RedisEnabled() {
				t.Errorf("Redis.URL = %q, enabled %v", cfg.Redis.URL, cfg.RedisEnabled())
			}
			if !cfg.RateLimit.Enabled {
				t.Error("rate limits disabled by default")
			}
			if cfg.Events.Retention != 24*time.Hour || cfg.Events.RetentionCount != 1000 {
				t.Errorf("Events = %+v, want 24h and 1000", cfg.Events)
			}
			if !slices.Equal(cfg.CORSAllowedOrigins, devOrigins) || !slices.Equal(cfg.WSAllowedOrigins, devOrigins) {
				t.Errorf("origins = %v / %v, want %v", cfg.CORSAllowedOrigins, cfg.WSAllowedOrigins, devOrigins)
			}
		})
	}
}

func TestHTTPAddrOverride(t *testing.T) {
	t.Parallel()
	cfg, err := LoadFrom(ProcessWorker, map[string]string{"HTTP_ADDR": "127.0.0.1:9999"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != "127.0.0.1:9999" {
		t.Fatalf("HTTPAddr = %q", cfg.HTTPAddr)
	}
}

func TestRedisURLUnsetEmptyAndSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		vars    map[string]string
		want    string
		enabled bool
	}{
		{"unset means the default", map[string]string{}, defaultRedisURL, true},
		{"empty disables", map[string]string{"REDIS_URL": ""}, "", false},
		{"set is kept", map[string]string{"REDIS_URL": "redis://10.0.0.1:6380/2"}, "redis://10.0.0.1:6380/2", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := LoadFrom(ProcessAPI, tt.vars)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Redis.URL != tt.want || cfg.RedisEnabled() != tt.enabled {
				t.Fatalf("Redis.URL = %q enabled=%v, want %q enabled=%v", cfg.Redis.URL, cfg.RedisEnabled(), tt.want, tt.enabled)
			}
		})
	}
}

func TestOriginsExplicitlyEmptyStayEmpty(t *testing.T) {
	t.Parallel()
	cfg, err := LoadFrom(ProcessAPI, map[string]string{"CORS_ALLOWED_ORIGINS": "", "WS_ALLOWED_ORIGINS": "https://a.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.CORSAllowedOrigins) != 0 {
		t.Errorf("CORS origins = %v, want none", cfg.CORSAllowedOrigins)
	}
	if !slices.Equal(cfg.WSAllowedOrigins, []string{"https://a.example.com"}) {
		t.Errorf("WS origins = %v", cfg.WSAllowedOrigins)
	}
}

// WebSocket origins follow the CORS origins unless set themselves, in production too: a
// web app allowed to call the API may open its WebSocket.
func TestWSOriginsFollowCORS(t *testing.T) {
	t.Parallel()
	for _, env := range []string{"development", "production"} {
		vars := map[string]string{"APP_ENV": env, "CORS_ALLOWED_ORIGINS": "https://app.example.com"}
		if env == "production" {
			maps.Copy(vars, map[string]string{
				"AUTH_JWT_KEYS": "k1:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0", "AUTH_CURSOR_SECRET": "a-cursor-secret-of-our-own",
				"MAIL_DRIVER": "smtp", "MAIL_FROM": "Example <no-reply@example.com>", "MAIL_LINK_BASE_URL": "https://app.example.com",
			})
		}
		cfg, err := LoadFrom(ProcessAPI, vars)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(cfg.WSAllowedOrigins, []string{"https://app.example.com"}) {
			t.Errorf("%s: WS origins = %v, want the CORS origins", env, cfg.WSAllowedOrigins)
		}
	}
}

// problems loads vars and returns the configuration problems, failing if there are none.
func problems(t *testing.T, process string, vars map[string]string) (*Error, string) {
	t.Helper()
	cfg, err := LoadFrom(process, vars)
	if err == nil {
		t.Fatalf("LoadFrom(%v) accepted the configuration: %+v", vars, cfg)
	}
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("error %T %v is not a *config.Error", err, err)
	}
	return cerr, err.Error()
}

func TestBadValuesAreNamed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		process string
		vars    map[string]string
		want    []string // every problem, in the form "VARIABLE: ..." (prefix match)
	}{
		{"bad duration", ProcessAPI, map[string]string{"SHUTDOWN_TIMEOUT": "ten seconds"}, []string{"SHUTDOWN_TIMEOUT: cannot parse as a duration"}},
		{"bad nested duration", ProcessAPI, map[string]string{"HTTP_READ_TIMEOUT": "5"}, []string{"HTTP_READ_TIMEOUT: cannot parse as a duration"}},
		{"bad int", ProcessAPI, map[string]string{"HTTP_BODY_LIMIT": "1MB"}, []string{"HTTP_BODY_LIMIT: cannot parse as a whole number"}},
		{"bad int32", ProcessWorker, map[string]string{"DATABASE_MAX_CONNS": "many"}, []string{"DATABASE_MAX_CONNS: cannot parse as a whole number"}},
		{"bad bool", ProcessAPI, map[string]string{"RATE_LIMIT_ENABLED": "maybe"}, []string{"RATE_LIMIT_ENABLED: cannot parse as true or false"}},
		{"uint8 overflow", ProcessAPI, map[string]string{"AUTH_ARGON2_PARALLELISM": "300"}, []string{"AUTH_ARGON2_PARALLELISM: cannot parse"}},
		{"int in RateLimit named like the Auth struct", ProcessAPI, map[string]string{"RATE_LIMIT_AUTH": "x"}, []string{"RATE_LIMIT_AUTH: cannot parse as a whole number"}},
		{"body limit too small", ProcessAPI, map[string]string{"HTTP_BODY_LIMIT": "1"}, []string{"HTTP_BODY_LIMIT: must be between 1024 and"}},
		// validation.Min skips zero values: each of these was once accepted.
		{"body limit zero", ProcessAPI, map[string]string{"HTTP_BODY_LIMIT": "0"}, []string{"HTTP_BODY_LIMIT: must be between 1024 and"}},
		{"worker concurrency zero", ProcessWorker, map[string]string{"WORKER_CONCURRENCY": "0"}, []string{"WORKER_CONCURRENCY:"}},
		{"events retention zero", ProcessWorker, map[string]string{"EVENTS_RETENTION": "0s"}, []string{"EVENTS_RETENTION: must be between"}},
		{"events retention too long", ProcessCron, map[string]string{"EVENTS_RETENTION": "9000h"}, []string{"EVENTS_RETENTION: must be between"}},
		{"events retention count zero", ProcessCron, map[string]string{"EVENTS_RETENTION_COUNT": "0"}, []string{"EVENTS_RETENTION_COUNT: must be between"}},
		{"events retention count not a number", ProcessWorker, map[string]string{"EVENTS_RETENTION_COUNT": "many"}, []string{"EVENTS_RETENTION_COUNT: cannot parse as a whole number"}},
		{"max conns zero", ProcessWorker, map[string]string{"DATABASE_MAX_CONNS": "0"}, []string{"DATABASE_MAX_CONNS:"}},
		{"rate limit zero", ProcessAPI, map[string]string{"RATE_LIMIT_PER_IP": "0"}, []string{"RATE_LIMIT_PER_IP: must be at least 1"}},
		{"rate limit burst negative", ProcessAPI, map[string]string{"RATE_LIMIT_AUTH_BURST": "-1"}, []string{"RATE_LIMIT_AUTH_BURST:"}},
		{"notification purge age too short", ProcessCron, map[string]string{"NOTIFICATIONS_PURGE_READ_AFTER": "30m"}, []string{"NOTIFICATIONS_PURGE_READ_AFTER: must be between"}},
		{"notification purge age not a duration", ProcessCron, map[string]string{"NOTIFICATIONS_PURGE_READ_AFTER": "30"}, []string{"NOTIFICATIONS_PURGE_READ_AFTER:"}},
		{"argon2 iterations zero", ProcessAPI, map[string]string{"AUTH_ARGON2_ITERATIONS": "0"}, []string{"AUTH_ARGON2_ITERATIONS:"}},
		{"shutdown timeout out of range", ProcessAPI, map[string]string{"SHUTDOWN_TIMEOUT": "1h"}, []string{"SHUTDOWN_TIMEOUT: must be between"}},
		{"negative duration", ProcessAPI, map[string]string{"REDIS_TIMEOUT": "-1s"}, []string{"REDIS_TIMEOUT: must be between"}},
		{"min conns over max", ProcessAPI, map[string]string{"DATABASE_MAX_CONNS": "2", "DATABASE_MIN_CONNS": "3"}, []string{"DATABASE_MIN_CONNS:"}},
		{"unknown env", ProcessAPI, map[string]string{"APP_ENV": "staging"}, []string{"APP_ENV:"}},
		{"unknown log level", ProcessAPI, map[string]string{"LOG_LEVEL": "loud"}, []string{"LOG_LEVEL:"}},
		{"bad listen address", ProcessAPI, map[string]string{"HTTP_ADDR": "8080"}, []string{"HTTP_ADDR:"}},
		{"listen port out of range", ProcessCron, map[string]string{"HTTP_ADDR": ":70000"}, []string{"HTTP_ADDR:"}},
		{"malformed DATABASE_URL", ProcessMigrate, map[string]string{"DATABASE_URL": "postgres://u:s3cret@[bad"}, []string{"DATABASE_URL: not a valid PostgreSQL connection URL"}},
		{"malformed REDIS_URL", ProcessAPI, map[string]string{"REDIS_URL": "http://:s3cret@x"}, []string{"REDIS_URL:"}},
		{"bad mail driver", ProcessWorker, map[string]string{"MAIL_DRIVER": "sendmail"}, []string{"MAIL_DRIVER:"}},
		{"bad mail from", ProcessWorker, map[string]string{"MAIL_FROM": "not an address"}, []string{"MAIL_FROM:"}},
		{"bad link base", ProcessWorker, map[string]string{"MAIL_LINK_BASE_URL": "ftp://x"}, []string{"MAIL_LINK_BASE_URL:"}},
		{"short cursor secret", ProcessAPI, map[string]string{"AUTH_CURSOR_SECRET": "short"}, []string{"AUTH_CURSOR_SECRET:"}},
		{"bad origin", ProcessAPI, map[string]string{"CORS_ALLOWED_ORIGINS": "http://a.example.com,localhost:3000"}, []string{`CORS_ALLOWED_ORIGINS: "localhost:3000" is not an origin`}},
		{"bad trusted proxy", ProcessAPI, map[string]string{"HTTP_TRUSTED_PROXIES": "10.0.0.0/33"}, []string{"HTTP_TRUSTED_PROXIES:"}},
		{"smtp port out of range", ProcessWorker, map[string]string{"MAIL_SMTP_PORT": "0"}, []string{"MAIL_SMTP_PORT:"}},
		{"argon2 memory below OWASP outside tests", ProcessAPI, map[string]string{"AUTH_ARGON2_MEMORY": "64"}, []string{"AUTH_ARGON2_MEMORY:"}},
		{"unknown exec mode", ProcessAPI, map[string]string{"DATABASE_EXEC_MODE": "prepare"}, []string{"DATABASE_EXEC_MODE: must be one of"}},
		{"bad cache switch", ProcessAPI, map[string]string{"CACHE_ENABLED": "sometimes"}, []string{"CACHE_ENABLED: cannot parse as true or false"}},
		{"local cache TTL over the TTL", ProcessAPI, map[string]string{"CACHE_TTL": "5s", "CACHE_LOCAL_TTL": "10s"}, []string{"CACHE_LOCAL_TTL: must be between"}},
		{"negative TTL over the TTL", ProcessAPI, map[string]string{"CACHE_TTL": "2s", "CACHE_LOCAL_TTL": "1s", "CACHE_NEGATIVE_TTL": "3s"}, []string{"CACHE_NEGATIVE_TTL: must be between"}},
		{"cache TTL too short", ProcessAPI, map[string]string{"CACHE_TTL": "10ms", "CACHE_LOCAL_TTL": "0s", "CACHE_NEGATIVE_TTL": "0s"}, []string{"CACHE_TTL: must be between"}},
		{"jitter too large", ProcessAPI, map[string]string{"CACHE_JITTER_PERCENT": "80"}, []string{"CACHE_JITTER_PERCENT: must be between"}},
		{"breaker never opens", ProcessAPI, map[string]string{"CACHE_BREAKER_FAILURES": "0"}, []string{"CACHE_BREAKER_FAILURES:"}},
		{"cache redis timeout zero", ProcessAPI, map[string]string{"CACHE_REDIS_TIMEOUT": "0s"}, []string{"CACHE_REDIS_TIMEOUT:"}},
		{
			"several parse errors together", ProcessAPI,
			map[string]string{"SHUTDOWN_TIMEOUT": "x", "HTTP_BODY_LIMIT": "y", "WORKER_CONCURRENCY": "z"},
			[]string{"SHUTDOWN_TIMEOUT: cannot parse", "HTTP_BODY_LIMIT: cannot parse", "WORKER_CONCURRENCY: cannot parse"},
		},
		{
			"several range errors together", ProcessAPI,
			map[string]string{"HTTP_BODY_LIMIT": "1", "LOG_LEVEL": "loud", "DATABASE_URL": "postgres://u:s3cret@[bad", "WORKER_CONCURRENCY": "0"},
			[]string{"DATABASE_URL:", "HTTP_BODY_LIMIT:", "LOG_LEVEL:", "WORKER_CONCURRENCY:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cerr, msg := problems(t, tt.process, tt.vars)
			if len(cerr.Problems) != len(tt.want) {
				t.Fatalf("problems = %q, want %d matching %q", cerr.Problems, len(tt.want), tt.want)
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(cerr.Problems, func(p string) bool { return strings.HasPrefix(p, w) }) {
					t.Errorf("no problem starts with %q: %q", w, cerr.Problems)
				}
			}
			if !strings.HasPrefix(msg, "invalid configuration: ") {
				t.Errorf("message %q", msg)
			}
			for _, v := range tt.vars {
				if strings.Contains(v, "s3cret") && strings.Contains(msg, "s3cret") {
					t.Errorf("message reveals a password: %s", msg)
				}
			}
		})
	}
}

func TestParseAndRangeErrorsReportedTogether(t *testing.T) {
	t.Parallel()
	cerr, _ := problems(t, ProcessAPI, map[string]string{"SHUTDOWN_TIMEOUT": "x", "LOG_LEVEL": "loud"})
	if len(cerr.Problems) != 2 {
		t.Fatalf("problems = %q, want SHUTDOWN_TIMEOUT and LOG_LEVEL", cerr.Problems)
	}
}

func TestMalformedURLNeverRevealsPassword(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"postgres://u:s3cret@[bad",
		"postgres://u:s3cret@host:notaport/db",
		"postgres://u:s3cret@host/db?sslmode=bogus",
		"host=x password=s3cret port=abc",
	} {
		_, err := LoadFrom(ProcessAPI, map[string]string{"DATABASE_URL": raw})
		if err == nil {
			t.Errorf("%q accepted", raw)
			continue
		}
		if !strings.Contains(err.Error(), "DATABASE_URL") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: %v", raw, err)
		}
	}
}

func TestProductionRefusesDevelopmentDefaults(t *testing.T) {
	t.Parallel()
	cerr, msg := problems(t, ProcessAPI, map[string]string{"APP_ENV": "production"})
	for _, key := range []string{"AUTH_JWT_KEYS", "AUTH_CURSOR_SECRET", "MAIL_DRIVER", "MAIL_FROM", "MAIL_LINK_BASE_URL"} {
		if !slices.ContainsFunc(cerr.Problems, func(p string) bool { return strings.HasPrefix(p, key+":") }) {
			t.Errorf("production accepts the development %s: %q", key, cerr.Problems)
		}
	}
	if strings.Contains(msg, DevCursorSecret) || strings.Contains(msg, DevJWTKeys) {
		t.Errorf("message repeats a secret: %s", msg)
	}

	// Explicitly set to the public values is refused too; dir mail likewise.
	cerr, _ = problems(t, ProcessWorker, map[string]string{
		"APP_ENV": "production", "AUTH_JWT_KEYS": DevJWTKeys, "AUTH_CURSOR_SECRET": DevCursorSecret,
		"MAIL_DRIVER": "dir", "MAIL_FROM": "Keel <keel@127.0.0.1>", "MAIL_LINK_BASE_URL": "https://app.localhost",
	})
	if len(cerr.Problems) != 5 {
		t.Errorf("problems = %q, want JWT keys, cursor secret, mail driver, sender and link base", cerr.Problems)
	}

	ok := map[string]string{
		"APP_ENV": "production", "AUTH_JWT_KEYS": "k1:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0",
		"AUTH_CURSOR_SECRET": "a-cursor-secret-of-our-own", "MAIL_DRIVER": "smtp",
		"MAIL_FROM": "Example <no-reply@example.com>", "MAIL_LINK_BASE_URL": "https://app.example.com",
	}
	cfg, err := LoadFrom(ProcessAPI, ok)
	if err != nil {
		t.Fatalf("production with own secrets: %v", err)
	}
	if len(cfg.CORSAllowedOrigins) != 0 || len(cfg.WSAllowedOrigins) != 0 {
		t.Errorf("production got development origins %v %v", cfg.CORSAllowedOrigins, cfg.WSAllowedOrigins)
	}
	// The same public values are fine outside production.
	if _, err := LoadFrom(ProcessAPI, map[string]string{"APP_ENV": "test", "MAIL_DRIVER": "dir"}); err != nil {
		t.Errorf("test env with defaults: %v", err)
	}
}

// secretVars set every secret to a recognisable value.
var secretVars = map[string]string{
	"DATABASE_URL":       "postgres://keel:db-pass-1@db.internal:5432/keel?sslmode=disable",
	"REDIS_URL":          "redis://default:redis-pass-2@cache.internal:6379/0",
	"AUTH_JWT_KEYS":      "k1:and-jwt-secret-3",
	"AUTH_CURSOR_SECRET": "cursor-secret-4-long-enough",
	"MAIL_SMTP_PASSWORD": "smtp-pass-5",
	"MAIL_SMTP_USERNAME": "mailer",
}

var secretValues = []string{"db-pass-1", "redis-pass-2", "and-jwt-secret-3", "cursor-secret-4", "smtp-pass-5"}

func TestRedactedMasksSecrets(t *testing.T) {
	t.Parallel()
	cfg, err := LoadFrom(ProcessAPI, secretVars)
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Redacted()
	want := map[string]string{
		"DATABASE_URL":       "postgres://keel:xxxxx@db.internal:5432/keel?sslmode=disable",
		"REDIS_URL":          "redis://default:xxxxx@cache.internal:6379/0",
		"AUTH_JWT_KEYS":      "********",
		"AUTH_CURSOR_SECRET": "********",
		"MAIL_SMTP_PASSWORD": "********",
		"MAIL_SMTP_USERNAME": "mailer",
		"HTTP_ADDR":          ":8080",
		"HTTP_BODY_LIMIT":    "1048576",
		"LOG_LEVEL":          "info",
	}
	for k, v := range want {
		if r[k] != v {
			t.Errorf("Redacted()[%s] = %q, want %q", k, r[k], v)
		}
	}
	all := strings.Join(slices.Collect(mapValues(r)), "\n")
	for _, s := range secretValues {
		if strings.Contains(all, s) {
			t.Errorf("Redacted reveals %q", s)
		}
	}
	// The configuration itself is untouched.
	if cfg.Database.URL != secretVars["DATABASE_URL"] {
		t.Errorf("Redacted changed the configuration: %q", cfg.Database.URL)
	}
}

func mapValues(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

func TestLogValueMasksSecrets(t *testing.T) {
	t.Parallel()
	cfg, err := LoadFrom(ProcessWorker, secretVars)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("starting", slog.Any("config", cfg))
	out := buf.String()
	for _, s := range secretValues {
		if strings.Contains(out, s) {
			t.Errorf("log line reveals %q: %s", s, out)
		}
	}
	for _, w := range []string{`"PROCESS":"worker"`, `"DATABASE_URL":"postgres://keel:xxxxx@db.internal`, `"AUTH_JWT_KEYS":"********"`, `"HTTP_ADDR":":8081"`} {
		if !strings.Contains(out, w) {
			t.Errorf("log line lacks %s: %s", w, out)
		}
	}
}

func TestMaskURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"postgres://u:pw@h/db?sslmode=disable", "postgres://u:xxxxx@h/db?sslmode=disable"},
		{"postgres://u@h/db?password=pw", "postgres://u@h/db?password=xxxxx"},
		{"redis://:pw@h:6379/0", "redis://:xxxxx@h:6379/0"},
		{"postgres://u:pw@[bad", "********"},
		// A keyword/value DSN is not a URL: it is hidden entirely, since it may hold a password.
		{"host=h user=u password=pw dbname=keel", "********"},
	}
	for _, tt := range tests {
		if got := MaskURL(tt.in); got != tt.want {
			t.Errorf("MaskURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Parse errors name their variable through fieldKeys, keyed by struct field name: a field
// whose type can fail to parse must have a name no other field shares, or its error would
// name another variable.
func TestParsableFieldNamesAreUnique(t *testing.T) {
	t.Parallel()
	fs := fields(&Config{})
	count := map[string][]string{}
	for _, f := range fs {
		count[f.name] = append(count[f.name], f.key)
	}
	str := reflect.TypeFor[string]()
	strs := reflect.TypeFor[[]string]()
	for _, f := range fs {
		if typ := f.value.Type(); typ == str || typ == strs {
			continue
		}
		if keys := count[f.name]; len(keys) != 1 {
			t.Errorf("field %s (%s) shares its name with %v: its parse errors would be misnamed", f.name, f.value.Type(), keys)
		}
	}
	// And the mapping really names the right variable for every such field.
	keys := fieldKeys(&Config{})
	for _, f := range fs {
		if typ := f.value.Type(); typ == str || typ == strs {
			continue
		}
		if keys[f.name] != f.key {
			t.Errorf("fieldKeys[%s] = %s, want %s", f.name, keys[f.name], f.key)
		}
	}
}

// Every non-string variable fails to parse with a message naming that very variable.
func TestEveryParsableVariableNamedOnParseError(t *testing.T) {
	t.Parallel()
	str := reflect.TypeFor[string]()
	strs := reflect.TypeFor[[]string]()
	for _, f := range fields(&Config{}) {
		if typ := f.value.Type(); typ == str || typ == strs {
			continue
		}
		cerr, _ := problems(t, ProcessAPI, map[string]string{f.key: "not-a-value"})
		if len(cerr.Problems) != 1 || !strings.HasPrefix(cerr.Problems[0], f.key+": cannot parse") {
			t.Errorf("%s=not-a-value: problems %q", f.key, cerr.Problems)
		}
	}
}

func TestEveryVariableIsListed(t *testing.T) {
	t.Parallel()
	cfg, err := LoadFrom(ProcessAPI, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Redacted()
	for _, key := range []string{
		"APP_ENV", "HTTP_ADDR", "LOG_LEVEL", "DATABASE_URL", "REDIS_URL", "CORS_ALLOWED_ORIGINS",
		"WS_ALLOWED_ORIGINS", "RATE_LIMIT_ENABLED", "HTTP_BODY_LIMIT", "MAIL_DRIVER", "AUTH_JWT_KEYS",
	} {
		if _, ok := r[key]; !ok {
			t.Errorf("Redacted lacks %s", key)
		}
	}
}
