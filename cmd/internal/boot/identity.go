package boot

import (
	"fmt"
	"log/slog"
	"runtime"

	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/argon2id"
	"github.com/keelhq/keel/adapters/jobs"
	"github.com/keelhq/keel/adapters/postgres"
	pgaudit "github.com/keelhq/keel/adapters/postgres/audit"
	pgauth "github.com/keelhq/keel/adapters/postgres/auth"
	"github.com/keelhq/keel/adapters/postgres/outbox"
	pguser "github.com/keelhq/keel/adapters/postgres/user"
	"github.com/keelhq/keel/adapters/redis/sessions"
	"github.com/keelhq/keel/adapters/tokens"
	"github.com/keelhq/keel/application/identity"
	"github.com/keelhq/keel/application/mailing"
	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/ports"
)

// Identity provides the user, auth and audit contexts over PostgreSQL, with the session
// cache that hears revocations through Redis.
var Identity = fx.Module("identity",
	fx.Provide(
		func() ports.Clock { return ports.SystemClock{} },
		func(db *database.DB) *postgres.Transactor { return postgres.NewTransactor(db.Bun) },
		newQueue,
		newSessionCache,
		newIdentity,
	),
	// One hash ahead of the first failed sign-in, so that it costs no more than the others.
	fx.Invoke(func(lc fx.Lifecycle, a *auth.Service) {
		lc.Append(fx.Hook{OnStart: a.Prepare})
	}),
)

func newQueue(db *database.DB, log *slog.Logger) (*jobs.Queue, error) {
	return jobs.NewQueue(db.SQL, log)
}

// newSessionCache serves session states from memory, re-reading PostgreSQL when an entry
// is older than AUTH_SESSION_CACHE_TTL or another instance announced a change. Every
// process may publish changes; only the api, which authenticates requests, subscribes.
func newSessionCache(cfg *config.Config, db *database.DB, rdb *redis.Client, log *slog.Logger) *sessions.Cache {
	inner := pgauth.NewSessionStatus(db.Bun, cfg.Auth.SessionIdleTTL)
	return sessions.New(inner, rdb, cfg.Redis.KeyPrefix+"sessions", sessions.Options{TTL: cfg.Auth.SessionCacheTTL}, log)
}

type identityDeps struct {
	fx.In
	Config   *config.Config
	DB       *database.DB
	Tx       *postgres.Transactor
	Queue    *jobs.Queue
	Sessions *sessions.Cache
	Sender   *mailing.Sender
	Clock    ports.Clock
}

type identityOut struct {
	fx.Out
	Users        *user.Service
	Auth         *auth.Service
	Audit        *audit.Service
	Registration *identity.Registration
}

// newIdentity builds the contexts. Each sees the other only through the anti-corruption
// layers in application/identity.
func newIdentity(d identityDeps) (identityOut, error) {
	a := d.Config.Auth
	keys, err := tokens.ParseKeys(a.JWTKeys)
	if err != nil {
		return identityOut{}, fmt.Errorf("AUTH_JWT_KEYS: %w", err)
	}
	issuer, err := tokens.New(keys, a.JWTIssuer, a.JWTAudience, a.JWTLeeway, d.Clock.Now)
	if err != nil {
		return identityOut{}, fmt.Errorf("AUTH_JWT_KEYS: %w", err)
	}
	concurrency := a.Argon2Concurrency
	if concurrency == 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	params := argon2id.Params{
		Memory: a.Argon2Memory, Iterations: a.Argon2Time, Parallelism: a.Argon2Threads,
		SaltLength: argon2id.DefaultParams.SaltLength, KeyLength: argon2id.DefaultParams.KeyLength,
	}
	if err := params.Validate(); err != nil {
		return identityOut{}, fmt.Errorf("AUTH_ARGON2_*: %w", err)
	}
	hasher := argon2id.New(params, concurrency)
	trail := pgaudit.NewTrail(d.DB.Bun, d.Clock)
	events := outbox.NewEvents(d.DB.Bun, d.Clock)
	userRepo := pguser.NewRepository(d.DB.Bun)

	users := &user.Service{Repo: userRepo, Tx: d.Tx, Audit: trail, Events: events, Clock: d.Clock}
	authSvc := &auth.Service{
		Accounts: &identity.Accounts{Users: users, Repo: userRepo},
		Store:    pgauth.NewStore(d.DB.Bun),
		Hasher:   hasher, Tokens: issuer, Status: d.Sessions, Events: d.Sessions, Mail: d.Sender,
		Tx: d.Tx, Audit: trail, Jobs: d.Queue, Clock: d.Clock, LinkBase: d.Config.Mail.LinkBaseURL,
		Lifetimes: auth.Lifetimes{
			Idle: a.SessionIdleTTL, Absolute: a.SessionMaxTTL, Access: a.AccessTTL, Reset: a.ResetTTL, Verify: a.VerifyTTL,
		},
	}
	users.Access = &identity.Access{Auth: authSvc}
	return identityOut{
		Users:        users,
		Auth:         authSvc,
		Audit:        &audit.Service{Repo: pgaudit.NewRepository(d.DB.Bun)},
		Registration: &identity.Registration{Users: users, Auth: authSvc, Tx: d.Tx},
	}, nil
}
