package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/keelhq/keel/bench/internal/benchdb"
)

// run sets the stack up, measures, and tears it down.
func run(o options) error {
	ctx := context.Background()
	dbURL, err := benchdb.Create(ctx, o.adminURL, o.dbName)
	if err != nil {
		return err
	}
	defer benchdb.Drop(o.adminURL, o.dbName)
	s := newStack(o, dbURL)
	defer s.stop()
	if err := s.migrate(); err != nil {
		return err
	}
	apis := make([]*proc, 2)
	for i := range apis {
		if apis[i], err = s.start("api"); err != nil {
			return err
		}
	}
	if _, err := s.start("worker"); err != nil {
		return err
	}
	tokens, err := register(apis[0].url, o.users)
	if err != nil {
		return err
	}
	time.Sleep(2 * time.Second) // let the registrations' events go by
	before := make([]int, len(apis))
	for i, a := range apis {
		if before[i], err = rssKB(a.cmd.Process.Pid); err != nil {
			return err
		}
	}
	start := time.Now()
	clients, err := connect(apis, tokens, o.conns)
	if err != nil {
		return err
	}
	fmt.Printf("%d connections open over 2 api instances in %s\n", len(clients), time.Since(start).Round(time.Millisecond))
	time.Sleep(2 * time.Second) // settle
	for i, a := range apis {
		after, err := rssKB(a.cmd.Process.Pid)
		if err != nil {
			return err
		}
		held := (len(clients) + len(apis) - 1 - i) / len(apis)
		fmt.Printf("api %d: RSS %d KiB -> %d KiB with %d connections: %.1f KiB per connection\n",
			i+1, before[i], after, held, float64(after-before[i])/float64(held))
	}

	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close(ctx)
	for i := range o.events {
		if err := broadcast(ctx, db, i); err != nil {
			return err
		}
		time.Sleep(o.every)
	}
	lat, missing := collect(clients, o.events, 10*time.Second)
	report(lat, missing, len(clients)*o.events)
	return nil
}

// register signs n accounts up and returns their access tokens.
func register(api string, n int) ([]string, error) {
	tokens := make([]string, n)
	for i := range tokens {
		body := fmt.Sprintf(`{"email":"bench-ws-%d-%s@example.com","password":"bench-password-%d","name":"Bench %d"}`,
			i, uuid.NewString()[:8], i, i)
		res, err := http.Post(api+"/v1/auth/register", "application/json", strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		var out struct {
			AccessToken string `json:"accessToken"`
		}
		err = json.NewDecoder(res.Body).Decode(&out)
		_ = res.Body.Close()
		if err != nil || res.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("register: %d %v", res.StatusCode, err)
		}
		tokens[i] = out.AccessToken
	}
	return tokens, nil
}

// broadcast writes one outbox event on topic "broadcast", as a notification to all would
// be; its created_at is the clock the latency is measured from.
func broadcast(ctx context.Context, db *pgx.Conn, i int) error {
	id := uuid.Must(uuid.NewV7())
	_, err := db.Exec(ctx, `INSERT INTO outbox_events (id, name, topic, payload, created_at)
		VALUES ($1, 'bench.broadcast', 'broadcast', $2, clock_timestamp())`, id, fmt.Sprintf(`{"id":%q,"n":%d}`, id, i))
	return err
}
