package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestServerStopStart(t *testing.T) {
	t.Parallel()
	start := time.Now()
	s := StartServer(t)
	t.Logf("private server start (initdb + postgres): %s", time.Since(start))

	c := connect(t, s.URL("postgres"))
	execSQL(t, c, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
	port := s.Port()

	start = time.Now()
	s.Stop()
	t.Logf("private server stop: %s", time.Since(start))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := c.Exec(ctx, "SELECT 1"); err == nil {
		t.Fatal("query succeeded on a stopped server")
	}
	if conn, err := pgx.Connect(ctx, s.URL("postgres")); err == nil {
		_ = conn.Close(ctx)
		t.Fatal("connected to a stopped server")
	}

	start = time.Now()
	s.Start()
	t.Logf("private server restart: %s", time.Since(start))
	if s.Port() != port {
		t.Fatalf("port changed from %d to %d", port, s.Port())
	}
	if v := queryInt(t, connect(t, s.URL("postgres")), "SELECT v FROM kept"); v != 42 {
		t.Fatalf("data lost across restart: got %d", v)
	}
}
