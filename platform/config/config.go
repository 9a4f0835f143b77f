// Package config loads Keel's configuration from environment variables into one typed
// struct, with defaults that work on a development machine, and validates it so that a
// bad value stops a process before it serves, naming every bad variable.
package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Environments a process can run in.
const (
	EnvDevelopment = "development"
	EnvTest        = "test"
	EnvProduction  = "production"
)

// Process names, used for per-process defaults such as the listen address.
const (
	ProcessAPI     = "api"
	ProcessWorker  = "worker"
	ProcessCron    = "cron"
	ProcessMigrate = "migrate"
	ProcessAdmin   = "admin"
)

// defaultAddrs are the per-process listen addresses when HTTP_ADDR is not set.
var defaultAddrs = map[string]string{
	ProcessAPI:    ":8080",
	ProcessWorker: ":8081",
	ProcessCron:   ":8082",
}

// devOrigins are the allowed browser origins outside production when none are configured.
var devOrigins = []string{"http://localhost:*", "http://127.0.0.1:*"}

const defaultRedisURL = "redis://127.0.0.1:6379/0"

// Config is the whole configuration of every Keel process. Field tags name the variables;
// `secret` marks values that are masked when the configuration is logged.
type Config struct {
	// Process is the name of the running binary (api, worker, cron, ...); not configurable.
	Process string `env:"-"`

	Env             string        `env:"APP_ENV" envDefault:"development"`
	HTTPAddr        string        `env:"HTTP_ADDR"`
	LogLevel        string        `env:"LOG_LEVEL" envDefault:"info"`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"10s"`

	HTTP      HTTP      `envPrefix:"HTTP_"`
	Database  Database  `envPrefix:"DATABASE_"`
	Redis     Redis     `envPrefix:"REDIS_"`
	Cache     Cache     `envPrefix:"CACHE_"`
	Worker    Worker    `envPrefix:"WORKER_"`
	Events    Events    `envPrefix:"EVENTS_"`
	Mail      Mail      `envPrefix:"MAIL_"`
	Auth      Auth      `envPrefix:"AUTH_"`
	RateLimit RateLimit `envPrefix:"RATE_LIMIT_"`
	Cron      Cron      `envPrefix:"CRON_"`
	WS        WS        `envPrefix:"WS_"`

	Notifications Notifications `envPrefix:"NOTIFICATIONS_"`

	CORSAllowedOrigins []string `env:"CORS_ALLOWED_ORIGINS"`
	WSAllowedOrigins   []string `env:"WS_ALLOWED_ORIGINS"`

	// MetricsToken, when set, is the bearer token /metrics requires. Unset, /metrics is
	// open outside production and not served at all in production.
	MetricsToken string `env:"METRICS_TOKEN" secret:"true"`
}

// DevJWTKeys and DevCursorSecret are built-in development secrets: published in the
// source, so production refuses them.
const (
	DevJWTKeys      = "dev-1:a2VlbC1kZXZlbG9wbWVudC1vbmx5LXNpZ25pbmcta2V5LTAwMDE"
	DevCursorSecret = "keel-development-only-cursor-secret"
)

// Auth holds the authentication settings.
type Auth struct {
	// JWTKeys is the signing key ring, "kid:base64secret,...": the first key signs.
	JWTKeys        string        `env:"JWT_KEYS" envDefault:"dev-1:a2VlbC1kZXZlbG9wbWVudC1vbmx5LXNpZ25pbmcta2V5LTAwMDE" secret:"true"`
	JWTIssuer      string        `env:"JWT_ISSUER" envDefault:"keel"`
	JWTAudience    string        `env:"JWT_AUDIENCE" envDefault:"keel-api"`
	JWTLeeway      time.Duration `env:"JWT_LEEWAY" envDefault:"30s"`
	AccessTTL      time.Duration `env:"ACCESS_TTL" envDefault:"15m"`
	SessionIdleTTL time.Duration `env:"SESSION_IDLE_TTL" envDefault:"336h"`
	SessionMaxTTL  time.Duration `env:"SESSION_MAX_TTL" envDefault:"1440h"`
	ResetTTL       time.Duration `env:"RESET_TTL" envDefault:"1h"`
	VerifyTTL      time.Duration `env:"VERIFY_TTL" envDefault:"48h"`
	// SessionCacheTTL is how long an api instance trusts a cached session state while it
	// hears revocations through Redis.
	SessionCacheTTL time.Duration `env:"SESSION_CACHE_TTL" envDefault:"5s"`
	Argon2Memory    uint32        `env:"ARGON2_MEMORY" envDefault:"19456"`
	Argon2Time      uint32        `env:"ARGON2_ITERATIONS" envDefault:"2"`
	Argon2Threads   uint8         `env:"ARGON2_PARALLELISM" envDefault:"1"`
	// Argon2Concurrency bounds simultaneous hashes (0: the number of CPUs).
	Argon2Concurrency int    `env:"ARGON2_CONCURRENCY" envDefault:"0"`
	CursorSecret      string `env:"CURSOR_SECRET" envDefault:"keel-development-only-cursor-secret" secret:"true"`
}

// Notifications holds the notification context's settings.
type Notifications struct {
	// PurgeReadAfter is how long a read notification is kept before it is purged.
	PurgeReadAfter time.Duration `env:"PURGE_READ_AFTER" envDefault:"720h"`
}

// RateLimit holds the request rate limits (GCRA, shared through Redis).
type RateLimit struct {
	Enabled bool `env:"ENABLED" envDefault:"true"`
	// PerIP is the steady rate of requests per minute from one IP to the API.
	PerIP      int `env:"PER_IP" envDefault:"600"`
	PerIPBurst int `env:"PER_IP_BURST" envDefault:"120"`
	// Auth is the per minute rate of sign-in, sign-up and reset attempts per e-mail and IP.
	Auth      int `env:"AUTH" envDefault:"5"`
	AuthBurst int `env:"AUTH_BURST" envDefault:"10"`
}

// HTTP holds the HTTP server settings shared by all processes.
type HTTP struct {
	ReadTimeout    time.Duration `env:"READ_TIMEOUT" envDefault:"10s"`
	WriteTimeout   time.Duration `env:"WRITE_TIMEOUT" envDefault:"15s"`
	IdleTimeout    time.Duration `env:"IDLE_TIMEOUT" envDefault:"60s"`
	RequestTimeout time.Duration `env:"REQUEST_TIMEOUT" envDefault:"10s"`
	BodyLimit      int           `env:"BODY_LIMIT" envDefault:"1048576"`
	TrustedProxies []string      `env:"TRUSTED_PROXIES"`
	// MaxHeaderBytes bounds a request's head (request line and headers); larger gets 431
	// (or 414 when the request line alone is too long).
	MaxHeaderBytes int `env:"MAX_HEADER_BYTES" envDefault:"16384"`
	// MaxConnsPerIP caps the open connections from one client address (0: no cap).
	MaxConnsPerIP int `env:"MAX_CONNS_PER_IP" envDefault:"128"`
}

// WS holds the WebSocket hub's settings (WS_ALLOWED_ORIGINS is Config.WSAllowedOrigins).
type WS struct {
	// MaxConnsPerUser caps one account's connections on one api instance.
	MaxConnsPerUser int `env:"MAX_CONNS_PER_USER" envDefault:"10"`
	// SendQueueBytes bounds the frames waiting for one slow client before it is closed
	// with 4408.
	SendQueueBytes int `env:"SEND_QUEUE_BYTES" envDefault:"262144"`
	// MaxFrameBytes bounds one client frame (larger is closed with 1009).
	MaxFrameBytes int `env:"MAX_FRAME_BYTES" envDefault:"16384"`
	// Heartbeat is the ping interval; a client silent for two is dropped.
	Heartbeat time.Duration `env:"HEARTBEAT" envDefault:"25s"`
	// ClientFrameRate is how many frames per second one client may send (bursts of twice
	// that); a client that sends more is closed with 1008.
	ClientFrameRate int `env:"CLIENT_FRAME_RATE" envDefault:"20"`
	// ReplayMax is the most events one `since` replays before answering reset.
	ReplayMax int `env:"REPLAY_MAX" envDefault:"1000"`
	// PollInterval is how often the event log is polled while Redis is away.
	PollInterval time.Duration `env:"POLL_INTERVAL" envDefault:"1s"`
	// FrameWriteTimeout bounds the write of one frame to a client.
	FrameWriteTimeout time.Duration `env:"WRITE_TIMEOUT" envDefault:"10s"`
}

// Database holds the PostgreSQL settings.
type Database struct {
	URL              string        `env:"URL" envDefault:"postgres://postgres@127.0.0.1:5432/keel?sslmode=disable" secret:"url"`
	MaxConns         int32         `env:"MAX_CONNS" envDefault:"10"`
	MinConns         int32         `env:"MIN_CONNS" envDefault:"0"`
	StatementTimeout time.Duration `env:"STATEMENT_TIMEOUT" envDefault:"5s"`
	ConnectTimeout   time.Duration `env:"CONNECT_TIMEOUT" envDefault:"5s"`
	// ExecMode is how pgx sends queries (see database.ExecModes).
	ExecMode string `env:"EXEC_MODE" envDefault:"exec"`
}

// Cache holds the settings of the read cache in front of the user repository: an
// in-process tier, invalidated on every instance over Redis pub/sub, over a shared Redis
// tier guarded by a circuit breaker.
type Cache struct {
	// On switches the cache on (CACHE_ENABLED).
	On bool `env:"ENABLED" envDefault:"true"`
	// TTL bounds how long a value read from PostgreSQL is served by any tier.
	TTL time.Duration `env:"TTL" envDefault:"30s"`
	// LocalTTL is how long the in-process tier trusts an entry while it hears invalidations.
	LocalTTL time.Duration `env:"LOCAL_TTL" envDefault:"10s"`
	// NegativeTTL is how long "not found" is remembered.
	NegativeTTL time.Duration `env:"NEGATIVE_TTL" envDefault:"5s"`
	// Jitter is the percentage by which each TTL is randomly shortened, so that entries
	// filled together do not expire together.
	Jitter int `env:"JITTER_PERCENT" envDefault:"10"`
	// LocalMaxEntries bounds the in-process tier.
	LocalMaxEntries int `env:"LOCAL_MAX_ENTRIES" envDefault:"100000"`
	// RedisTimeout is the deadline of one cache call to Redis.
	RedisTimeout time.Duration `env:"REDIS_TIMEOUT" envDefault:"50ms"`
	// BreakerFailures is how many consecutive Redis failures open the circuit breaker.
	BreakerFailures int `env:"BREAKER_FAILURES" envDefault:"3"`
	// BreakerRetry is the longest wait between background probes of an open breaker.
	BreakerRetry time.Duration `env:"BREAKER_RETRY" envDefault:"1s"`
}

// Worker holds the job worker's settings.
type Worker struct {
	Concurrency int           `env:"CONCURRENCY" envDefault:"10"`
	JobTimeout  time.Duration `env:"JOB_TIMEOUT" envDefault:"1m"`
}

// Events holds the retention of the durable event log: an entry is kept while it is
// younger than Retention or among the last RetentionCount of its topic.
type Events struct {
	Retention      time.Duration `env:"RETENTION" envDefault:"24h"`
	RetentionCount int           `env:"RETENTION_COUNT" envDefault:"1000"`
}

// Mail holds the e-mail settings. The "dir" driver writes .eml files for development; the
// "smtp" driver sends through a relay and is required in production.
type Mail struct {
	Driver       string `env:"DRIVER" envDefault:"dir"`
	From         string `env:"FROM" envDefault:"Keel <no-reply@keel.localhost>"`
	Dir          string `env:"DIR" envDefault:"tmp/mail"`
	SMTPHost     string `env:"SMTP_HOST" envDefault:"127.0.0.1"`
	SMTPPort     int    `env:"SMTP_PORT" envDefault:"587"`
	SMTPUsername string `env:"SMTP_USERNAME"`
	SMTPPassword string `env:"SMTP_PASSWORD" secret:"true"`
	SMTPTLS      string `env:"SMTP_TLS" envDefault:"starttls"`
	// LinkBaseURL is where links in e-mails point (the web client's origin).
	LinkBaseURL string `env:"LINK_BASE_URL" envDefault:"http://localhost:3000"`
}

// Cron holds the scheduler's settings.
type Cron struct {
	// Schedules overrides actions' schedules: "name=@every 1h,name=off" (checked against
	// the registered actions when the cron process assembles them).
	Schedules string `env:"SCHEDULES"`
}

// Redis holds the Redis settings. An empty URL disables Redis (single-instance mode).
type Redis struct {
	URL       string        `env:"URL" secret:"url"`
	KeyPrefix string        `env:"KEY_PREFIX" envDefault:"keel:"`
	Timeout   time.Duration `env:"TIMEOUT" envDefault:"500ms"`
}

// Load reads the configuration for process from the environment and validates it.
func Load(process string) (*Config, error) {
	return LoadFrom(process, environ())
}

// LoadFrom reads the configuration for process from the given variables and validates it.
// Every problem is reported at once: values that cannot be parsed, and values out of range.
func LoadFrom(process string, vars map[string]string) (*Config, error) {
	cfg := &Config{Process: process}
	unparsable, err := parseProblems(cfg, env.ParseWithOptions(cfg, env.Options{Environment: vars}))
	if err != nil {
		return nil, err
	}
	if len(unparsable) > 0 {
		// Judge the other values as if the unparsable ones were unset, so that checks
		// relating two settings do not report a phantom problem.
		rest := maps.Clone(vars)
		for key := range unparsable {
			delete(rest, key)
		}
		cfg = &Config{Process: process}
		if err := env.ParseWithOptions(cfg, env.Options{Environment: rest}); err != nil {
			return nil, fmt.Errorf("invalid configuration: %w", err)
		}
	}
	cfg.applyDefaults(vars)
	problems := cfg.problems()
	maps.Copy(problems, unparsable)
	if len(problems) > 0 {
		return nil, newError(problems)
	}
	// A web app allowed to call the API may open its WebSocket too, unless told otherwise
	// (after the checks, so that a bad CORS origin is reported once, under its own name).
	if _, set := vars["WS_ALLOWED_ORIGINS"]; !set {
		cfg.WSAllowedOrigins = slices.Clone(cfg.CORSAllowedOrigins)
	}
	return cfg, nil
}

// applyDefaults fills defaults that depend on the process, the environment, or on the
// difference between an unset and an empty variable (the env library treats them alike).
func (c *Config) applyDefaults(vars map[string]string) {
	if c.HTTPAddr == "" {
		c.HTTPAddr = defaultAddrs[c.Process]
	}
	if _, set := vars["REDIS_URL"]; !set {
		c.Redis.URL = defaultRedisURL
	}
	if _, set := vars["CORS_ALLOWED_ORIGINS"]; !set && c.Env != EnvProduction {
		c.CORSAllowedOrigins = devOrigins
	}
}

// RedisEnabled reports whether a Redis URL is configured.
func (c *Config) RedisEnabled() bool { return c.Redis.URL != "" }

// IsProduction reports whether the process runs with APP_ENV=production.
func (c *Config) IsProduction() bool { return c.Env == EnvProduction }

func environ() map[string]string {
	vars := make(map[string]string)
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	return vars
}

// parseProblems names the variable behind each value the env library could not parse; any
// other failure of the library is returned as an error.
func parseProblems(cfg *Config, err error) (map[string]string, error) {
	problems := map[string]string{}
	if err == nil {
		return problems, nil
	}
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	keys := fieldKeys(cfg)
	for _, e := range agg.Errors {
		var pe env.ParseError
		if !errors.As(e, &pe) {
			return nil, fmt.Errorf("invalid configuration: %w", e)
		}
		problems[keys[pe.Name]] = "cannot parse as " + typeName(pe.Type.String())
	}
	return problems, nil
}

func typeName(t string) string {
	switch t {
	case "time.Duration":
		return "a duration such as 500ms, 10s or 5m"
	case "bool":
		return "true or false"
	case "int", "int32", "int64":
		return "a whole number"
	}
	return t
}

// Error lists every configuration problem found, one "VARIABLE: reason" per entry, sorted.
type Error struct {
	Problems []string
}

func newError(problems map[string]string) *Error {
	e := &Error{Problems: make([]string, 0, len(problems))}
	for _, key := range slices.Sorted(maps.Keys(problems)) {
		e.Problems = append(e.Problems, key+": "+problems[key])
	}
	return e
}

// Error implements error.
func (e *Error) Error() string {
	return "invalid configuration: " + strings.Join(e.Problems, "; ")
}
