package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keelhq/keel/application/schedule"
)

// Advisory lock keys: the two-int form, with a class per use, so they meet nothing else.
const (
	leaderClass = 0x6b65656c // "keel"
	actionClass = 0x6b65656d
)

// Timing of the election. A follower asks for the lock every pollInterval, so it takes
// over within about that once the server has released it; a leader pings its connection
// every pingInterval and steps down when a ping fails or takes longer than pingTimeout.
const (
	pollInterval = time.Second
	pingInterval = time.Second
	pingTimeout  = 2 * time.Second
	callTimeout  = 5 * time.Second
)

// StepDown bounds how long a leader whose session ended goes on believing it leads: until
// its next ping fails. Its runs are cancelled then.
const StepDown = pingInterval + pingTimeout

// keepalive makes the server notice a leader it can no longer reach within seconds (a
// dead peer otherwise holds its session, and the lock, until TCP gives up: hours), so a
// follower takes over within about 5 s of the leader losing its connection.
var keepalive = map[string]string{
	"tcp_keepalives_idle":     "2",
	"tcp_keepalives_interval": "1",
	"tcp_keepalives_count":    "2",
	"tcp_user_timeout":        "4000",
}

// Elector implements schedule.Elector with a session-level advisory lock held on a
// dedicated connection: PostgreSQL releases it the moment that session ends (the process
// died, or the server dropped the connection), and the leader steps down the moment it
// cannot reach its session. The actions' locks are taken on the same session, so they go
// with the leadership.
type Elector struct {
	config *pgx.ConnConfig
	log    *slog.Logger
}

// NewElector returns an elector connecting with config (copied; the pool's settings
// serve).
func NewElector(config *pgx.ConnConfig, log *slog.Logger) *Elector {
	return &Elector{config: withKeepalive(config), log: log}
}

func withKeepalive(config *pgx.ConnConfig) *pgx.ConnConfig {
	c := config.Copy()
	for k, v := range keepalive {
		c.RuntimeParams[k] = v
	}
	return c
}

var _ schedule.Elector = (*Elector)(nil)

// Lead implements schedule.Elector.
func (e *Elector) Lead(ctx context.Context, lead func(ctx context.Context, locks schedule.Locks)) error {
	for ctx.Err() == nil {
		conn, err := connect(ctx, e.config)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			e.log.Warn("cron election: cannot connect", slog.String("error", err.Error()))
			wait(ctx, pollInterval)
			continue
		}
		e.follow(ctx, conn, lead)
		closeConn(conn)
	}
	return nil
}

// follow asks for the leader lock until it gets it, then leads; it returns when the
// connection fails, leadership ends or ctx is done.
func (e *Elector) follow(ctx context.Context, conn *pgx.Conn, lead func(ctx context.Context, locks schedule.Locks)) {
	s := &session{conn: conn}
	for ctx.Err() == nil {
		ok, err := s.tryLock(ctx, leaderClass, 0)
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("cron election: lost the connection", slog.String("error", err.Error()))
			}
			return
		}
		if ok {
			e.lead(ctx, s, lead)
			return
		}
		wait(ctx, pollInterval)
	}
}

// lead runs lead while the session answers its pings.
func (e *Elector) lead(ctx context.Context, s *session, lead func(ctx context.Context, locks schedule.Locks)) {
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		lead(lctx, s)
	}()
	tick := time.NewTicker(pingInterval)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			<-done
			return
		case <-tick.C:
			if err := s.ping(ctx); err != nil {
				if ctx.Err() == nil {
					e.log.Error("cron leader lost its database session; stepping down", slog.String("error", err.Error()))
				}
				cancel()
				<-done
				return
			}
		}
	}
}

// session is one dedicated connection holding advisory locks; pgx connections serve one
// call at a time.
type session struct {
	mu   sync.Mutex
	conn *pgx.Conn
}

func (s *session) tryLock(ctx context.Context, class, key int32) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	var ok bool
	err := s.conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1, $2)", class, key).Scan(&ok)
	return ok, err
}

func (s *session) unlock(class, key int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	// A failure means the session is gone, and its locks with it.
	_, _ = s.conn.Exec(ctx, "SELECT pg_advisory_unlock($1, $2)", class, key)
}

func (s *session) ping(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return s.conn.Ping(ctx)
}

// TryLock implements schedule.Locks: the action's lock, on the session.
func (s *session) TryLock(ctx context.Context, action string) (func(), bool, error) {
	key := actionKey(action)
	ok, err := s.tryLock(ctx, actionClass, key)
	if err != nil || !ok {
		return nil, false, err
	}
	return func() { s.unlock(actionClass, key) }, true, nil
}

// actionKey hashes an action's name (FNV-1a) into the lock key.
func actionKey(action string) int32 {
	h := uint32(2166136261)
	for i := 0; i < len(action); i++ {
		h ^= uint32(action[i])
		h *= 16777619
	}
	return int32(h)
}

// OneShotLocks are action locks on a dedicated connection, for `cron run NAME`.
type OneShotLocks struct {
	s *session
}

var _ schedule.Locks = (*OneShotLocks)(nil)

// OpenLocks connects a session for action locks; Close ends it.
func OpenLocks(ctx context.Context, config *pgx.ConnConfig) (*OneShotLocks, error) {
	conn, err := connect(ctx, withKeepalive(config))
	if err != nil {
		return nil, err
	}
	return &OneShotLocks{s: &session{conn: conn}}, nil
}

// TryLock implements schedule.Locks.
func (l *OneShotLocks) TryLock(ctx context.Context, action string) (func(), bool, error) {
	return l.s.TryLock(ctx, action)
}

// Close ends the session, releasing every lock it holds.
func (l *OneShotLocks) Close() { closeConn(l.s.conn) }

func connect(ctx context.Context, config *pgx.ConnConfig) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, config)
	if err != nil {
		var pgErr interface{ SQLState() string }
		if errors.As(err, &pgErr) {
			return nil, fmt.Errorf("connect: %s", pgErr.SQLState())
		}
		return nil, errors.New("connect: postgres unreachable")
	}
	return conn, nil
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

// wait sleeps d or until ctx ends.
func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
