package user_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/keelhq/keel/adapters/cached"
	cacheduser "github.com/keelhq/keel/adapters/cached/user"
	memcache "github.com/keelhq/keel/adapters/memory/cache"
	"github.com/keelhq/keel/adapters/postgres"
	pguser "github.com/keelhq/keel/adapters/postgres/user"
	rediscache "github.com/keelhq/keel/adapters/redis/cache"
	"github.com/keelhq/keel/adapters/redis/pubsub"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/domain/user/usertest"
	"github.com/keelhq/keel/platform/testkit/pgtest"
	"github.com/keelhq/keel/platform/testkit/redistest"
	"github.com/keelhq/keel/ports"
)

// counting counts the reads that reach the decorated repository.
type counting struct {
	user.Repository
	gets atomic.Int64
}

func (c *counting) Get(ctx context.Context, id uuid.UUID) (*user.User, error) {
	c.gets.Add(1)
	return c.Repository.Get(ctx, id)
}

// instance is one api instance's view: its own in-process tier over the shared Redis and
// PostgreSQL.
type instance struct {
	repo  *cacheduser.Repository
	inner *counting
	store *cached.Store
	bus   *rediscache.Bus
}

// newInstance builds a cached repository like the api does, its invalidation bus running
// until the test ends (when rdb is not nil).
func newInstance(t *testing.T, pg *postgres.Transactor, inner user.Repository, rdb *redis.Client, prefix string) *instance {
	t.Helper()
	in := &instance{inner: &counting{Repository: inner}}
	local := memcache.New(10_000, nil)
	opts := cached.Options{Name: "users", TTL: 30 * time.Second, LocalTTL: 10 * time.Second, NegativeTTL: 5 * time.Second, JitterPercent: 10}
	if rdb == nil {
		in.store = cached.New(opts, local, nil, nil, nil)
	} else {
		remote := rediscache.New(rdb, rediscache.Options{Prefix: prefix + "cache:", Timeout: time.Second})
		t.Cleanup(remote.Close)
		in.bus = rediscache.NewBus(rdb, prefix+"cache:invalidations", remote, nil)
		in.store = cached.New(opts, local, remote, in.bus, nil)
		sub := pubsub.New(rdb, nil)
		in.bus.Listen(sub, in.store)
		// Told after the bus's own callback, so the bus is subscribed by then.
		up := make(chan struct{}, 1)
		sub.OnState(func(isUp bool, _ error) {
			if isUp {
				select {
				case up <- struct{}{}:
				default:
				}
			}
		})
		sub.Start()
		t.Cleanup(func() { _ = sub.Stop(context.Background()) })
		select {
		case <-up:
		case <-time.After(10 * time.Second):
			t.Fatal("the invalidation bus did not subscribe")
		}
		if !in.bus.Subscribed() {
			t.Fatal("the subscription is up but the bus does not say it is subscribed")
		}
	}
	in.repo = cacheduser.New(in.inner, in.store, pg, postgres.InTx)
	return in
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newUser(t *testing.T, email string) *user.User {
	t.Helper()
	e, err := kernel.ParseEmail(email)
	if err != nil {
		t.Fatal(err)
	}
	return user.New(e, user.Name("Cached "+email), kernel.LocaleEN, kernel.RoleUser, time.Now().UTC().Truncate(time.Microsecond))
}

// The decorated repository keeps every promise of user.Repository.
// createAndWarm creates u through creator, then reads it reads times through reader, so
// that reader's tiers hold it before the test changes it.
func createAndWarm(ctx context.Context, t *testing.T, creator *instance, u *user.User, reader *instance, reads int) {
	t.Helper()
	if err := creator.repo.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	for range reads {
		if _, err := reader.repo.Get(ctx, u.ID()); err != nil {
			t.Fatal(err)
		}
	}
}

// renameInTx renames the account through in inside one transaction of tx, calling during
// (when not nil) after the update and before the commit.
func renameInTx(ctx context.Context, t *testing.T, tx *postgres.Transactor, in *instance, id uuid.UUID, name string, during func(txCtx context.Context)) {
	t.Helper()
	err := tx.Do(ctx, func(txCtx context.Context) error {
		locked, err := in.repo.GetForUpdate(txCtx, id)
		if err != nil {
			return err
		}
		locked.Rename(user.Name(name), time.Now(), kernel.Changes{})
		if err := in.repo.Update(txCtx, locked); err != nil {
			return err
		}
		if during != nil {
			during(txCtx)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRepositoryContract(t *testing.T) {
	t.Parallel()
	usertest.RepositoryContract(t, func(t *testing.T) (user.Repository, ports.Tx) {
		db := pgtest.Open(t).Bun
		rdb, prefix := redistest.Client(t)
		tx := postgres.NewTransactor(db)
		return newInstance(t, tx, pguser.NewRepository(db), rdb, prefix).repo, tx
	})
}

// Acceptance 6: 1,000 concurrent misses of one key cost at most 3 reads of PostgreSQL.
func TestConcurrentMissesShareOneRead(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t).Bun
	rdb, prefix := redistest.Client(t)
	tx := postgres.NewTransactor(db)
	in := newInstance(t, tx, pguser.NewRepository(db), rdb, prefix)
	ctx := testCtx(t)
	u := newUser(t, "coalesce@example.com")
	if err := pguser.NewRepository(db).Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	const n = 1000
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			<-start
			got, err := in.repo.Get(ctx, u.ID())
			if err == nil && got.Email() != u.Email() {
				err = errors.New("wrong user")
			}
			if err != nil {
				errs <- err
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	reads := in.inner.gets.Load()
	t.Logf("%d concurrent misses of one key: %d PostgreSQL read(s)", n, reads)
	if reads < 1 || reads > 3 {
		t.Fatalf("%d concurrent misses made %d database reads, want 1 to 3", n, reads)
	}
}

// A change is invalidated after its transaction commits, not before: until then readers
// outside it see the committed state, and right after it the new one.
func TestInvalidatedAfterCommit(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t).Bun
	rdb, prefix := redistest.Client(t)
	tx := postgres.NewTransactor(db)
	in := newInstance(t, tx, pguser.NewRepository(db), rdb, prefix)
	ctx := testCtx(t)
	u := newUser(t, "commit@example.com")
	createAndWarm(ctx, t, in, u, in, 1)
	renameInTx(ctx, t, tx, in, u.ID(), "Renamed", func(txCtx context.Context) {
		if got, err := in.repo.Get(txCtx, u.ID()); err != nil || got.Name() != "Renamed" {
			t.Errorf("inside the transaction Get = %v, %v; want its own write", got, err)
		}
		if got, err := in.repo.Get(ctx, u.ID()); err != nil || got.Name() != u.Name() {
			t.Errorf("outside, before commit, Get = %v, %v; want the committed name", got, err)
		}
	})
	if got, err := in.repo.Get(ctx, u.ID()); err != nil || got.Name() != "Renamed" {
		t.Fatalf("after commit Get = %v, %v; want the new name at once", got, err)
	}
}

// "Not found" is remembered, and forgotten when the account is created.
func TestNegativeEntryForgottenOnCreate(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t).Bun
	rdb, prefix := redistest.Client(t)
	in := newInstance(t, postgres.NewTransactor(db), pguser.NewRepository(db), rdb, prefix)
	ctx := testCtx(t)
	u := newUser(t, "negative@example.com")
	for range 3 {
		if _, err := in.repo.Get(ctx, u.ID()); !errors.Is(err, user.ErrNotFound) {
			t.Fatalf("Get of an unknown user = %v, want ErrNotFound", err)
		}
	}
	if n := in.inner.gets.Load(); n != 1 {
		t.Fatalf("three reads of an unknown user reached PostgreSQL %d times, want 1", n)
	}
	if err := in.repo.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, err := in.repo.Get(ctx, u.ID()); err != nil || got.ID() != u.ID() {
		t.Fatalf("Get after Create = %v, %v", got, err)
	}
}

// A change made through one instance reaches another instance's in-process tier through
// the invalidation bus, well within the TTL.
func TestOtherInstanceSeesChange(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t).Bun
	rdb, prefix := redistest.Client(t)
	tx := postgres.NewTransactor(db)
	a := newInstance(t, tx, pguser.NewRepository(db), rdb, prefix)
	b := newInstance(t, tx, pguser.NewRepository(db), rdb, prefix)
	ctx := testCtx(t)
	u := newUser(t, "instances@example.com")
	createAndWarm(ctx, t, a, u, b, 2)
	renameInTx(ctx, t, tx, a, u.ID(), "Seen everywhere", nil)
	committed := time.Now()
	for {
		got, err := b.repo.Get(ctx, u.ID())
		if err != nil {
			t.Fatal(err)
		}
		if got.Name() == "Seen everywhere" {
			t.Logf("instance B served the change %s after commit", time.Since(committed).Round(time.Microsecond))
			return
		}
		if time.Since(committed) > 5*time.Second {
			t.Fatal("instance B still serves the old name 5 s after commit")
		}
		time.Sleep(time.Millisecond)
	}
}
