// Command load is Keel's HTTP load suite (`task bench`). It builds the api and a bare
// reference server (bench/reference: Fiber + pgx, no layers, reading PostgreSQL every
// time), seeds a fresh database with 100,000 users, starts a private Redis and the
// servers, and measures with wrk, Keel and the reference interleaved round by round so
// that machine noise hits both alike. It prints req/s, p50 and p99 per endpoint and Keel's
// figures as ratios of the reference's.
//
// Rate limits are off (RATE_LIMIT_ENABLED=false) and the access log too (LOG_LEVEL=warn).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/keelhq/keel/bench/internal/benchdb"
)

// options are the suite's flags.
type options struct {
	users    int
	conns    int
	duration time.Duration
	rounds   int
	adminURL string
	dbName   string
	modes    string
	logins   time.Duration
	keep     bool
	baseline string
	procs    int
	threads  int
}

func main() {
	var o options
	flag.IntVar(&o.users, "users", 100_000, "rows in the users table")
	flag.IntVar(&o.conns, "c", 64, "connections per wrk run")
	flag.DurationVar(&o.duration, "d", 5*time.Second, "duration of one wrk run")
	flag.IntVar(&o.rounds, "rounds", 3, "interleaved rounds per scenario (the median is reported)")
	flag.StringVar(&o.adminURL, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server (any database) the suite creates its own in")
	flag.StringVar(&o.dbName, "db", "keel_bench", "database the suite (re)creates and drops")
	flag.StringVar(&o.modes, "exec-modes", "", "also run the uncached endpoint under these DATABASE_EXEC_MODE values, comma-separated (e.g. cache_statement,simple_protocol)")
	flag.DurationVar(&o.logins, "login-d", 5*time.Second, "duration of the refresh scenario")
	flag.BoolVar(&o.keep, "keep", false, "keep the database afterwards")
	flag.IntVar(&o.threads, "wrk-threads", 1, "wrk's threads (one drives 64 connections past 60,000 req/s here; each more competes with the servers for the cores and lengthens the tails it measures)")
	flag.IntVar(&o.procs, "gomaxprocs", 0, "GOMAXPROCS of every server, Keel's and the reference alike (0: Go's default, one per core)")
	flag.StringVar(&o.baseline, "baseline", "", "also run this api binary (e.g. one built from an older commit) on GET /v1/users/{id}, as \"keel baseline\"")
	flag.Parse()
	if err := o.check(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// minUsers is the fewest users the suite can run on: the list scenario reads page 1,001 of
// listLimit users (see lists).
const minUsers = listLimit*(listPages+1) + 1

// check refuses, before anything is built or seeded, the flags the suite cannot run with.
func (o options) check() error {
	switch {
	case o.users < minUsers:
		return fmt.Errorf("-users %d: at least %d are needed (the list scenario reads page %d of %d users)", o.users, minUsers, listPages+1, listLimit)
	case o.conns < 1 || o.rounds < 1 || o.threads < 1:
		return fmt.Errorf("-c, -rounds and -wrk-threads must be at least 1")
	case o.procs < 0:
		return fmt.Errorf("-gomaxprocs must be 0 (Go's default) or more")
	case o.duration < time.Second || o.logins < time.Second:
		return fmt.Errorf("-d and -login-d must be at least 1s (wrk's resolution)")
	}
	return nil
}

// suite is everything run started.
type suite struct {
	o       options
	tmp     string
	dbURL   string
	redis   *exec.Cmd
	rdb     *redis.Client
	procs   []*process
	data    seeded
	count   counters
	table   *table
	cleanup []func()
}

func run(o options) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return fmt.Errorf("wrk is not installed (Debian: apt-get install -y wrk)")
	}
	ctx := context.Background()
	s := &suite{o: o, table: &table{}}
	defer s.close()
	var err error
	if s.tmp, err = os.MkdirTemp("", "keel-bench-"); err != nil {
		return err
	}
	s.cleanup = append(s.cleanup, func() { os.RemoveAll(s.tmp) })
	step("building api, migrate and the reference server")
	if err := build(s.tmp, "./cmd/api", "./cmd/migrate", "./bench/reference"); err != nil {
		return err
	}
	if err := s.prepare(ctx); err != nil {
		return err
	}
	if err := s.measure(ctx); err != nil {
		return err
	}
	s.table.print(os.Stdout, o)
	return nil
}

// prepare creates and seeds the database and starts Redis and the servers.
func (s *suite) prepare(ctx context.Context) error {
	step(fmt.Sprintf("creating database %s with %d users", s.o.dbName, s.o.users))
	var err error
	if s.dbURL, err = benchdb.Create(ctx, s.o.adminURL, s.o.dbName); err != nil {
		return err
	}
	if !s.o.keep {
		s.cleanup = append(s.cleanup, func() { benchdb.Drop(s.o.adminURL, s.o.dbName) })
	}
	mig := exec.Command(filepath.Join(s.tmp, "migrate"), "up")
	mig.Env = append(os.Environ(), "DATABASE_URL="+s.dbURL)
	if out, err := mig.CombinedOutput(); err != nil {
		return fmt.Errorf("migrate: %w\n%s", err, out)
	}
	if s.data, err = seed(ctx, s.dbURL, s.o.users); err != nil {
		return err
	}
	if err := s.startRedis(); err != nil {
		return err
	}
	pg, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		return err
	}
	s.cleanup = append(s.cleanup, func() { pg.Close(context.Background()) })
	s.count = counters{pg: pg, db: s.o.dbName, rdb: s.rdb}
	return s.startServers()
}

// startRedis runs a private redis-server, so that its command count is the suite's alone.
func (s *suite) startRedis() error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	_, port, _ := strings.Cut(addr, ":")
	s.redis = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := s.redis.Start(); err != nil {
		return fmt.Errorf("redis-server: %w", err)
	}
	s.rdb = redis.NewClient(&redis.Options{Addr: addr})
	for range 100 {
		if s.rdb.Ping(context.Background()).Err() == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("private redis-server on %s did not answer", addr)
}

// keelEnv is the api's environment for the suite.
func (s *suite) keelEnv(addr string, extra ...string) []string {
	return append([]string{
		"APP_ENV=test", "LOG_LEVEL=warn", "RATE_LIMIT_ENABLED=false", "HTTP_MAX_CONNS_PER_IP=0",
		"HTTP_ADDR=" + addr, "DATABASE_URL=" + s.dbURL, "REDIS_URL=redis://" + s.rdb.Options().Addr + "/0",
		"REDIS_KEY_PREFIX=bench:", "MAIL_DIR=" + filepath.Join(s.tmp, "mail"),
	}, extra...)
}

// startServers starts Keel with the cache, Keel without it (one per extra exec mode) and
// the reference server.
func (s *suite) startServers() error {
	type spec struct {
		name, bin string
		env       []string
	}
	specs := []spec{{"keel", "api", nil}, {"keel-nocache", "api", []string{"CACHE_ENABLED=false"}}, {"reference", "reference", nil}}
	for _, m := range strings.Split(s.o.modes, ",") {
		if m = strings.TrimSpace(m); m != "" {
			specs = append(specs, spec{"keel-nocache-" + m, "api", []string{"CACHE_ENABLED=false", "DATABASE_EXEC_MODE=" + m}})
		}
	}
	if s.o.baseline != "" {
		specs = append(specs, spec{"keel-baseline", s.o.baseline, nil})
	}
	for _, sp := range specs {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		env := s.keelEnv(addr, sp.env...)
		if sp.bin == "reference" {
			env = []string{"DATABASE_URL=" + s.dbURL, "HTTP_ADDR=" + addr}
		}
		if s.o.procs > 0 {
			env = append(env, "GOMAXPROCS="+strconv.Itoa(s.o.procs))
		}
		step("starting " + sp.name)
		bin := sp.bin
		if !filepath.IsAbs(bin) {
			bin = filepath.Join(s.tmp, bin)
		}
		p, err := start(sp.name, bin, addr, env, s.tmp)
		if err != nil {
			return err
		}
		s.procs = append(s.procs, p)
	}
	return nil
}

// proc returns the started process called name.
func (s *suite) proc(name string) *process {
	for _, p := range s.procs {
		if p.name == name {
			return p
		}
	}
	return nil
}

func (s *suite) close() {
	for _, p := range s.procs {
		p.stop()
	}
	if s.rdb != nil {
		_ = s.rdb.Close()
	}
	if s.redis != nil && s.redis.Process != nil {
		_ = s.redis.Process.Kill()
		_ = s.redis.Wait()
	}
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		s.cleanup[i]()
	}
}

// step reports progress on stderr.
func step(msg string) { fmt.Fprintf(os.Stderr, "bench: %s %s\n", time.Now().Format("15:04:05"), msg) }
