package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"path"
	"strings"

	"strconv"
	"time"

	"github.com/invopop/validation"
	"github.com/redis/go-redis/v9"

	"github.com/keelhq/keel/platform/database"
)

// Validate checks every setting and reports all problems at once, each naming its variable.
func (c *Config) Validate() error {
	if problems := c.problems(); len(problems) > 0 {
		return newError(problems)
	}
	return nil
}

// problems maps each invalid variable to what is wrong with it.
func (c *Config) problems() map[string]string {
	errs := validation.Errors{
		"APP_ENV":          validation.Validate(c.Env, validation.Required, oneOf(EnvDevelopment, EnvTest, EnvProduction)),
		"HTTP_ADDR":        validation.Validate(c.HTTPAddr, validation.When(c.serves(), validation.By(listenAddr))),
		"LOG_LEVEL":        validation.Validate(c.LogLevel, oneOf("debug", "info", "warn", "error")),
		"SHUTDOWN_TIMEOUT": durationIn(c.ShutdownTimeout, time.Second, 5*time.Minute),

		"HTTP_READ_TIMEOUT":     durationIn(c.HTTP.ReadTimeout, 100*time.Millisecond, 10*time.Minute),
		"HTTP_WRITE_TIMEOUT":    durationIn(c.HTTP.WriteTimeout, 100*time.Millisecond, 10*time.Minute),
		"HTTP_IDLE_TIMEOUT":     durationIn(c.HTTP.IdleTimeout, time.Second, time.Hour),
		"HTTP_REQUEST_TIMEOUT":  durationIn(c.HTTP.RequestTimeout, 100*time.Millisecond, 10*time.Minute),
		"HTTP_BODY_LIMIT":       intIn(c.HTTP.BodyLimit, 1024, 1<<30),
		"HTTP_TRUSTED_PROXIES":  each(c.HTTP.TrustedProxies, ipOrCIDR),
		"HTTP_MAX_HEADER_BYTES": intIn(c.HTTP.MaxHeaderBytes, 8192, 1<<20),
		"HTTP_MAX_CONNS_PER_IP": intIn(c.HTTP.MaxConnsPerIP, 0, 1<<20),
		"METRICS_TOKEN":         validation.Validate(c.MetricsToken, validation.Length(16, 0)),

		"DATABASE_URL":               validation.Validate(c.Database.URL, validation.Required, validation.By(postgresURL)),
		"DATABASE_MAX_CONNS":         intIn(int(c.Database.MaxConns), 1, 1000),
		"DATABASE_MIN_CONNS":         intIn(int(c.Database.MinConns), 0, int(c.Database.MaxConns)),
		"DATABASE_STATEMENT_TIMEOUT": durationIn(c.Database.StatementTimeout, 10*time.Millisecond, 10*time.Minute),
		"DATABASE_CONNECT_TIMEOUT":   durationIn(c.Database.ConnectTimeout, 100*time.Millisecond, time.Minute),
		"DATABASE_EXEC_MODE":         validation.Validate(c.Database.ExecMode, validation.Required, oneOf(execModes...)),

		"CACHE_TTL":               durationIn(c.Cache.TTL, time.Second, time.Hour),
		"CACHE_LOCAL_TTL":         durationIn(c.Cache.LocalTTL, 0, c.Cache.TTL),
		"CACHE_NEGATIVE_TTL":      durationIn(c.Cache.NegativeTTL, 0, c.Cache.TTL),
		"CACHE_JITTER_PERCENT":    intIn(c.Cache.Jitter, 0, 50),
		"CACHE_LOCAL_MAX_ENTRIES": intIn(c.Cache.LocalMaxEntries, 100, 10_000_000),
		"CACHE_REDIS_TIMEOUT":     durationIn(c.Cache.RedisTimeout, time.Millisecond, 5*time.Second),
		"CACHE_BREAKER_FAILURES":  intIn(c.Cache.BreakerFailures, 1, 1000),
		"CACHE_BREAKER_RETRY":     durationIn(c.Cache.BreakerRetry, 10*time.Millisecond, 10*time.Second),

		"REDIS_URL":     validation.Validate(c.Redis.URL, validation.By(redisURL)),
		"REDIS_TIMEOUT": durationIn(c.Redis.Timeout, 10*time.Millisecond, 30*time.Second),

		"WORKER_CONCURRENCY": intIn(c.Worker.Concurrency, 1, 1000),
		"WORKER_JOB_TIMEOUT": durationIn(c.Worker.JobTimeout, time.Second, time.Hour),

		"EVENTS_RETENTION":       durationIn(c.Events.Retention, time.Minute, 366*24*time.Hour),
		"EVENTS_RETENTION_COUNT": intIn(c.Events.RetentionCount, 1, 1_000_000),

		"MAIL_DRIVER":        validation.Validate(c.Mail.Driver, validation.Required, oneOf("dir", "smtp"), validation.By(c.productionMail)),
		"MAIL_FROM":          validation.Validate(c.Mail.From, validation.Required, validation.By(mailAddress), validation.By(c.notLocal("MAIL_FROM"))),
		"MAIL_DIR":           validation.Validate(c.Mail.Dir, validation.When(c.Mail.Driver == "dir", validation.Required)),
		"MAIL_SMTP_HOST":     validation.Validate(c.Mail.SMTPHost, validation.When(c.Mail.Driver == "smtp", validation.Required)),
		"MAIL_SMTP_PORT":     intIn(c.Mail.SMTPPort, 1, 65535),
		"MAIL_SMTP_TLS":      validation.Validate(c.Mail.SMTPTLS, oneOf("none", "starttls", "tls")),
		"MAIL_LINK_BASE_URL": validation.Validate(c.Mail.LinkBaseURL, validation.Required, validation.By(httpURL), validation.By(c.notLocal("MAIL_LINK_BASE_URL"))),

		"AUTH_JWT_KEYS":           validation.Validate(c.Auth.JWTKeys, validation.Required, validation.By(c.notDevSecret(DevJWTKeys))),
		"AUTH_JWT_ISSUER":         validation.Validate(c.Auth.JWTIssuer, validation.Required),
		"AUTH_JWT_AUDIENCE":       validation.Validate(c.Auth.JWTAudience, validation.Required),
		"AUTH_JWT_LEEWAY":         durationIn(c.Auth.JWTLeeway, 0, 5*time.Minute),
		"AUTH_ACCESS_TTL":         durationIn(c.Auth.AccessTTL, 10*time.Second, 24*time.Hour),
		"AUTH_SESSION_IDLE_TTL":   durationIn(c.Auth.SessionIdleTTL, time.Minute, c.Auth.SessionMaxTTL),
		"AUTH_SESSION_MAX_TTL":    durationIn(c.Auth.SessionMaxTTL, time.Minute, 365*24*time.Hour),
		"AUTH_RESET_TTL":          durationIn(c.Auth.ResetTTL, time.Minute, 24*time.Hour),
		"AUTH_VERIFY_TTL":         durationIn(c.Auth.VerifyTTL, time.Minute, 30*24*time.Hour),
		"AUTH_SESSION_CACHE_TTL":  durationIn(c.Auth.SessionCacheTTL, 0, time.Minute),
		"AUTH_ARGON2_MEMORY":      intIn(int(c.Auth.Argon2Memory), max(c.minArgon2Memory(), 8*int(c.Auth.Argon2Threads)), Argon2MaxMemory),
		"AUTH_ARGON2_ITERATIONS":  intIn(int(c.Auth.Argon2Time), 1, Argon2MaxIterations),
		"AUTH_ARGON2_PARALLELISM": intIn(int(c.Auth.Argon2Threads), 1, Argon2MaxParallelism),
		"AUTH_ARGON2_CONCURRENCY": intIn(c.Auth.Argon2Concurrency, 0, 1024),
		"AUTH_CURSOR_SECRET":      validation.Validate(c.Auth.CursorSecret, validation.Required, validation.Length(16, 0), validation.By(c.notDevSecret(DevCursorSecret))),

		"RATE_LIMIT_PER_IP":       atLeast(c.RateLimit.PerIP, 1),
		"RATE_LIMIT_PER_IP_BURST": atLeast(c.RateLimit.PerIPBurst, 1),
		"RATE_LIMIT_AUTH":         atLeast(c.RateLimit.Auth, 1),
		"RATE_LIMIT_AUTH_BURST":   atLeast(c.RateLimit.AuthBurst, 1),

		"NOTIFICATIONS_PURGE_READ_AFTER": durationIn(c.Notifications.PurgeReadAfter, time.Hour, 10*365*24*time.Hour),

		"CORS_ALLOWED_ORIGINS": each(c.CORSAllowedOrigins, originPattern),
		"WS_ALLOWED_ORIGINS":   each(c.WSAllowedOrigins, originPattern),

		"WS_MAX_CONNS_PER_USER": intIn(c.WS.MaxConnsPerUser, 1, 100_000),
		"WS_SEND_QUEUE_BYTES":   intIn(c.WS.SendQueueBytes, 1024, 64<<20),
		"WS_MAX_FRAME_BYTES":    intIn(c.WS.MaxFrameBytes, 512, 1<<20),
		"WS_HEARTBEAT":          durationIn(c.WS.Heartbeat, time.Second, 10*time.Minute),
		"WS_REPLAY_MAX":         intIn(c.WS.ReplayMax, 1, 100_000),
		"WS_CLIENT_FRAME_RATE":  intIn(c.WS.ClientFrameRate, 1, 100_000),
		"WS_POLL_INTERVAL":      durationIn(c.WS.PollInterval, 50*time.Millisecond, 4*time.Second),
		"WS_WRITE_TIMEOUT":      durationIn(c.WS.FrameWriteTimeout, 100*time.Millisecond, time.Minute),
	}
	problems := make(map[string]string)
	for key, err := range errs {
		if err != nil {
			problems[key] = err.Error()
		}
	}
	return problems
}

// Upper bounds of the Argon2id parameters. The hasher (adapters/argon2id) enforces the same
// limits on every hash it reads, so a configuration accepted here never fails at start-up.
const (
	// Argon2MaxMemory is the most memory one hash may use, in KiB (1 GiB).
	Argon2MaxMemory = 1 << 20
	// Argon2MaxIterations is the most passes one hash may make.
	Argon2MaxIterations = 64
	// Argon2MaxParallelism is the most lanes one hash may use.
	Argon2MaxParallelism = 64
)

// notDevSecret refuses a built-in development secret in production.
func (c *Config) notDevSecret(dev string) validation.RuleFunc {
	return func(v any) error {
		if c.IsProduction() && v == dev {
			return errors.New("must be set to a secret of your own in production (the default is public)")
		}
		return nil
	}
}

// notLocal refuses, in production, a value that names this machine (localhost, a
// .localhost domain, a loopback address): e-mailed links and senders must reach people.
func (c *Config) notLocal(name string) validation.RuleFunc {
	return func(v any) error {
		s, _ := v.(string)
		host := s
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			host = u.Hostname()
		} else if _, domain, ok := strings.Cut(s, "@"); ok {
			host = strings.TrimRight(domain, ">")
		}
		host = strings.ToLower(host)
		local := host == "localhost" || strings.HasSuffix(host, ".localhost") ||
			strings.HasPrefix(host, "127.") || host == "::1" || host == "[::1]"
		if c.IsProduction() && local {
			return fmt.Errorf("must not be local in production (%s reaches only this machine)", name)
		}
		return nil
	}
}

// minArgon2Memory is OWASP's minimum (19 MiB) except in tests, which may use cheap hashes.
func (c *Config) minArgon2Memory() int {
	if c.Env == EnvTest {
		return 8
	}
	return 19456
}

func (c *Config) productionMail(v any) error {
	if c.IsProduction() && v != "smtp" {
		return errors.New("must be smtp in production")
	}
	return nil
}

func mailAddress(v any) error {
	s, _ := v.(string)
	if _, err := mail.ParseAddress(s); err != nil {
		return errors.New("must be an e-mail address such as Keel <no-reply@example.com>")
	}
	return nil
}

func httpURL(v any) error {
	s, _ := v.(string)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an http or https URL")
	}
	return nil
}

// serves reports whether the process listens on HTTP_ADDR (one-shot commands do not).
func (c *Config) serves() bool {
	_, ok := defaultAddrs[c.Process]
	return ok || c.HTTPAddr != ""
}

// execModes are the accepted DATABASE_EXEC_MODE values (database.ExecModes), in the
// order a refusal names them.
var execModes = []string{database.ExecModeExec, database.ExecModeSimpleProtocol, database.ExecModeCacheStatement,
	database.ExecModeCacheDescribe, database.ExecModeDescribeExec}

func durationIn(d, lo, hi time.Duration) error {
	if d < lo || d > hi {
		return fmt.Errorf("must be between %s and %s", lo, hi)
	}
	return nil
}

// intIn checks lo <= n <= hi. Unlike validation.Min and Max, which skip a zero value as
// "empty", it refuses 0 when 0 is out of range (HTTP_BODY_LIMIT=0 would refuse every body).
func intIn(n, lo, hi int) error {
	if n < lo || n > hi {
		return fmt.Errorf("must be between %d and %d", lo, hi)
	}
	return nil
}

// atLeast checks n >= lo, zero included (see intIn).
func atLeast(n, lo int) error {
	if n < lo {
		return fmt.Errorf("must be at least %d", lo)
	}
	return nil
}

func listenAddr(v any) error {
	s, _ := v.(string)
	if s == "" {
		return errors.New("cannot be blank")
	}
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New("must be host:port or :port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errors.New("port must be a number from 0 to 65535")
	}
	return nil
}

func postgresURL(v any) error {
	s, _ := v.(string)
	_, err := database.ParseOptions(database.Options{URL: s})
	return err
}

func redisURL(v any) error {
	s, _ := v.(string)
	if s == "" {
		return nil
	}
	if _, err := redis.ParseURL(s); err != nil {
		return errors.New("not a valid redis:// or rediss:// URL")
	}
	return nil
}

// each checks every item of a list and names the first that fails, e.g.
// `"localhost:3000" is not an origin such as ...`, rather than by its index.
func each(items []string, check func(any) error) error {
	for _, it := range items {
		if err := check(it); err != nil {
			return fmt.Errorf("%q %w", it, err)
		}
	}
	return nil
}

func ipOrCIDR(v any) error {
	s, _ := v.(string)
	if net.ParseIP(s) != nil {
		return nil
	}
	if _, _, err := net.ParseCIDR(s); err != nil {
		return errors.New("is not an IP address or CIDR range")
	}
	return nil
}

// originPattern accepts scheme://host[:port] where host or port may be a single `*`.
func originPattern(v any) error {
	s, _ := v.(string)
	if s == "*" {
		return nil
	}
	if ok, _ := path.Match("http*://*", s); !ok {
		return errors.New("is not an origin such as https://app.example.com or http://localhost:*")
	}
	return nil
}

// oneOf accepts one of values, and names them all when refusing another.
func oneOf(values ...string) validation.Rule {
	in := make([]any, len(values))
	for i, v := range values {
		in[i] = v
	}
	return validation.In(in...).Error("must be one of " + strings.Join(values, ", "))
}
