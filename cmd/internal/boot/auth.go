package boot

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/argon2id"
	httpauth "github.com/keelhq/keel/adapters/http/auth"
	"github.com/keelhq/keel/adapters/http/guard"
	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/adapters/jobs"
	pgauth "github.com/keelhq/keel/adapters/postgres/auth"
	"github.com/keelhq/keel/adapters/redis/sessions"
	"github.com/keelhq/keel/adapters/tokens"
	"github.com/keelhq/keel/application/identity"
	"github.com/keelhq/keel/application/mailing"
	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/ports"
)

// Auth is the auth context: credentials, sessions and tokens, /v1/auth, its e-mail jobs,
// its purge actions and session.* events. It reads accounts through identity.Accounts,
// and provides the use cases that span it and the user context (registration, e-mail
// verification).
var Auth = fx.Module("auth",
	fx.Provide(
		newHasher,
		newTokens,
		newSessionCache,
		func(db *database.DB) auth.Store { return pgauth.NewStore(db.Bun) },
		func(db *database.DB) auth.SignIns { return pgauth.NewSignIns(db.Bun) },
		func(repo user.Repository) auth.Accounts { return &identity.Accounts{Repo: repo} },
		newAuth,
		func(u *user.Service, a *auth.Service, tx ports.Tx) *identity.Registration {
			return &identity.Registration{Users: u, Auth: a, Tx: tx}
		},
		func(u *user.Service, a *auth.Service, tx ports.Tx) *identity.Verification {
			return &identity.Verification{Users: u, Auth: a, Tx: tx}
		},
		Routes(newAuthRoutes),
		JobHandler(func(a *auth.Service) jobs.Registration { return jobs.Handle(a.WorkPasswordReset) }),
		JobHandler(func(a *auth.Service) jobs.Registration { return jobs.Handle(a.WorkEmailVerification) }),
		Action(purgeSessions),
		Action(purgeTokens),
		Action(purgeSignIns),
		EventEncoding(httpauth.EventData),
	),
)

func newHasher(cfg *config.Config) (auth.PasswordHasher, error) {
	a := cfg.Auth
	concurrency := a.Argon2Concurrency
	if concurrency == 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	params := argon2id.Params{
		Memory: a.Argon2Memory, Iterations: a.Argon2Time, Parallelism: a.Argon2Threads,
		SaltLength: argon2id.DefaultParams.SaltLength, KeyLength: argon2id.DefaultParams.KeyLength,
	}
	if err := params.Validate(); err != nil {
		return nil, fmt.Errorf("AUTH_ARGON2_*: %w", err)
	}
	return argon2id.New(params, concurrency), nil
}

func newTokens(cfg *config.Config, clock ports.Clock) (auth.AccessTokens, error) {
	a := cfg.Auth
	keys, err := tokens.ParseKeys(a.JWTKeys)
	if err != nil {
		return nil, fmt.Errorf("AUTH_JWT_KEYS: %w", err)
	}
	issuer, err := tokens.New(keys, a.JWTIssuer, a.JWTAudience, a.JWTLeeway, clock.Now)
	if err != nil {
		return nil, fmt.Errorf("AUTH_JWT_KEYS: %w", err)
	}
	return tokens.NewCache(issuer, verifiedTokens), nil
}

// verifiedTokens bounds the access tokens an api instance remembers having verified.
const verifiedTokens = 100_000

// newSessionCache serves session states from memory, re-reading PostgreSQL when an entry
// is older than AUTH_SESSION_CACHE_TTL or another instance announced a change. Every
// process may publish changes; only the api, which authenticates requests, subscribes.
func newSessionCache(cfg *config.Config, db *database.DB, rdb *redis.Client, log *slog.Logger) *sessions.Cache {
	inner := pgauth.NewSessionStatus(db.Bun, cfg.Auth.SessionIdleTTL)
	return sessions.New(inner, rdb, cfg.Redis.KeyPrefix+"sessions", sessions.Options{TTL: cfg.Auth.SessionCacheTTL}, log)
}

type authDeps struct {
	fx.In
	Config   *config.Config
	Accounts auth.Accounts
	Store    auth.Store
	Hasher   auth.PasswordHasher
	Tokens   auth.AccessTokens
	Sessions *sessions.Cache
	Mail     *mailing.Sender
	Tx       ports.Tx
	Audit    ports.AuditTrail
	Events   ports.Events
	Jobs     ports.JobQueue
	Clock    ports.Clock
	SignIns  auth.SignIns
	Notices  auth.Notices
}

func newAuth(d authDeps) (*auth.Service, error) {
	a := d.Config.Auth
	return auth.NewService(auth.Deps{
		Accounts: d.Accounts, Store: d.Store, Hasher: d.Hasher, Tokens: d.Tokens, Status: d.Sessions,
		Broadcast: d.Sessions, Mail: d.Mail, Tx: d.Tx, Audit: d.Audit, Events: d.Events, Jobs: d.Jobs,
		Clock: d.Clock, SignIns: d.SignIns, Notices: d.Notices, LinkBase: d.Config.Mail.LinkBaseURL,
		Lifetimes: auth.Lifetimes{
			Idle: a.SessionIdleTTL, Absolute: a.SessionMaxTTL, Access: a.AccessTTL, Reset: a.ResetTTL, Verify: a.VerifyTTL,
		},
	})
}

type authRoutesDeps struct {
	fx.In
	Lifecycle    fx.Lifecycle
	Config       *config.Config
	Auth         *auth.Service
	Users        *user.Service
	Registration *identity.Registration
	Verification *identity.Verification
	Guard        *guard.Guard
}

// newAuthRoutes also computes, when the api starts, the hash that sign-ins with an unknown
// e-mail are checked against, so that the first such sign-in costs no more than any other.
func newAuthRoutes(d authRoutesDeps) []route.Route {
	d.Lifecycle.Append(fx.Hook{OnStart: d.Auth.Prepare})
	h := &httpauth.Handler{
		Auth: d.Auth, Registration: d.Registration, Verification: d.Verification, Users: d.Users, Throttle: d.Guard,
		Origins: web.NewOrigins(d.Config.CORSAllowedOrigins), CookieMaxAge: d.Config.Auth.SessionMaxTTL,
	}
	return h.Routes()
}

// purgeSessions and purgeTokens are the auth context's scheduled actions.
func purgeSessions(a *auth.Service, log *slog.Logger) schedule.Action {
	return schedule.Action{
		Name: "auth.purge_sessions", Schedule: "17 * * * *", Timeout: 5 * time.Minute, Jitter: 30 * time.Second,
		Run: func(ctx context.Context, _ time.Time) error {
			n, err := a.PurgeSessions(ctx)
			log.InfoContext(ctx, "purged ended sessions", slog.Int64("sessions", n))
			return err
		},
	}
}

func purgeTokens(a *auth.Service, log *slog.Logger) schedule.Action {
	return schedule.Action{
		Name: "auth.purge_tokens", Schedule: "47 * * * *", Timeout: 5 * time.Minute, Jitter: 30 * time.Second,
		Run: func(ctx context.Context, _ time.Time) error {
			n, err := a.PurgeTokens(ctx)
			log.InfoContext(ctx, "purged used and expired one-time tokens", slog.Int64("tokens", n))
			return err
		},
	}
}

func purgeSignIns(a *auth.Service, log *slog.Logger) schedule.Action {
	return schedule.Action{
		Name: "auth.purge_sign_ins", Schedule: "27 3 * * *", Timeout: 10 * time.Minute, Jitter: time.Minute,
		Run: func(ctx context.Context, _ time.Time) error {
			n, err := a.PurgeSignInHistory(ctx)
			log.InfoContext(ctx, "purged sign-in history past 90 days", slog.Int64("devices", n))
			return err
		},
	}
}
