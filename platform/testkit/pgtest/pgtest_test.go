package pgtest

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func connect(t *testing.T, dbURL string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func queryInt(t *testing.T, conn *pgx.Conn, sql string, args ...any) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int
	if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func execSQL(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestURLGivesDistinctMigratedDatabases(t *testing.T) {
	t.Parallel()
	start := time.Now()
	URL(t) // the first call may build the template (once per machine)
	t.Logf("first URL (template check or build + clone): %s", time.Since(start))

	start = time.Now()
	a := URL(t)
	b := URL(t)
	t.Logf("clone: %s per database", time.Since(start)/2)
	if a == b {
		t.Fatalf("two calls gave the same URL %s", a)
	}
	ca, cb := connect(t, a), connect(t, b)
	for _, table := range []string{"users", "sessions", "river_job", "keel_migrations"} {
		for _, c := range []*pgx.Conn{ca, cb} {
			q := "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = $1"
			if queryInt(t, c, q, table) != 1 {
				t.Errorf("table %s missing in %s", table, c.Config().Database)
			}
		}
	}
	if queryInt(t, ca, "SELECT count(*) FROM keel_migrations") == 0 {
		t.Error("keel_migrations is empty: template not migrated")
	}
	execSQL(t, ca, `INSERT INTO users (id, email, name, role, status, locale, created_at, updated_at)
		VALUES (gen_random_uuid(), 'a@example.com', 'A', 'user', 'active', 'en', now(), now())`)
	if n := queryInt(t, cb, "SELECT count(*) FROM users"); n != 0 {
		t.Errorf("database b sees %d users written to a", n)
	}
}

func TestURLDropsDatabaseAfterTest(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("inner", func(t *testing.T) {
		u, err := url.Parse(URL(t))
		if err != nil {
			t.Fatal(err)
		}
		name = strings.TrimPrefix(u.Path, "/")
		// An open connection must not stop the drop.
		connect(t, u.String())
	})
	admin := connect(t, BaseURL())
	if n := queryInt(t, admin, "SELECT count(*) FROM pg_database WHERE datname = $1", name); n != 0 {
		t.Fatalf("database %s still exists after its test", name)
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	db := Open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := db.Bun.NewSelect().Table("users").Count(ctx)
	if err != nil {
		t.Fatalf("count users through bun: %v", err)
	}
	if n != 0 {
		t.Fatalf("fresh database has %d users", n)
	}
}

func TestBuildTemplateSealsAndRenames(t *testing.T) {
	t.Parallel()
	base, err := url.Parse(BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	// Outside the keel_tpl_ namespace, so no concurrent process treats it as stale.
	tpl := newDBName("selftest_tpl")
	tpl = "keelselftest" + strings.TrimPrefix(tpl, testDBPrefix)
	admin := connect(t, BaseURL())
	t.Cleanup(func() {
		dropQuietly(context.Background(), admin, tpl)
		dropQuietly(context.Background(), admin, tpl+buildingSuffix)
	})
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := buildTemplate(ctx, admin, base, tpl); err != nil {
		t.Fatalf("build template: %v", err)
	}
	t.Logf("template build (create + all migrations + seal + rename): %s", time.Since(start))
	q := "SELECT count(*) FROM pg_database WHERE datname = $1 AND datistemplate AND NOT datallowconn"
	if queryInt(t, admin, q, tpl) != 1 {
		t.Fatalf("template %s missing or not sealed", tpl)
	}
	if queryInt(t, admin, "SELECT count(*) FROM pg_database WHERE datname = $1", tpl+buildingSuffix) != 0 {
		t.Fatal("building database left behind")
	}
}

func TestIsStale(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name, comment string
		want          bool
	}{
		{"keel_tpl_abc_building", "", true},
		{"keel_tpl_abc", "", true},
		{"keel_tpl_abc", templateComment + "1799999000", false},
		{"keel_tpl_abc", templateComment + "1790000000", true},
		{"keel_tpl_abc", "hand-written", false},
		{"keel_test_1799999999_ab12_t", "", false},
		{"keel_test_1700000000_ab12_t", "", true},
		{"keel_test_garbage", "", false},
		{"app", "", false},
	}
	for _, tt := range tests {
		if got := isStale(tt.name, tt.comment, now); got != tt.want {
			t.Errorf("isStale(%q, %q) = %v, want %v", tt.name, tt.comment, got, tt.want)
		}
	}
}

func TestNewDBNameFitsIdentifier(t *testing.T) {
	name := newDBName(strings.Repeat("TestSomething/With Spaces-", 5))
	if len(name) > 63 || !strings.HasPrefix(name, testDBPrefix) || strings.ContainsAny(name, "/ -") {
		t.Fatalf("bad name %q", name)
	}
	if newDBName("x") == newDBName("x") {
		t.Fatal("names repeat")
	}
}

func TestCloneRetriesWhileSourceInUse(t *testing.T) {
	t.Parallel()
	src, err := url.Parse(URL(t))
	if err != nil {
		t.Fatal(err)
	}
	srcName := strings.TrimPrefix(src.Path, "/")
	holder, err := pgx.Connect(context.Background(), src.String())
	if err != nil {
		t.Fatal(err)
	}
	go func() { // the only owner of holder from here on
		time.Sleep(300 * time.Millisecond)
		_ = holder.Close(context.Background())
	}()
	dst := newDBName(t.Name())
	t.Cleanup(func() { _ = dropDatabase(context.Background(), shared.pool, dst) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if err := cloneTemplate(ctx, shared.pool, srcName, dst); err != nil {
		t.Fatalf("clone while source in use: %v", err)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Fatalf("clone succeeded after %s although the source was in use", waited)
	}
}
