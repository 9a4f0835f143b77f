package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// client is a keep-alive HTTP client sized for the login scenario.
var client = &http.Client{
	Timeout:   60 * time.Second,
	Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute},
}

// tokens is a login or refresh answer.
type tokens struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
}

// postJSON sends body and decodes a 200 answer into out; it returns the status.
func postJSON(url string, body any, out any) (int, error) {
	data, _ := json.Marshal(body)
	res, err := client.Post(url, "application/json", bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if res.StatusCode == http.StatusOK && out != nil {
		return res.StatusCode, json.Unmarshal(raw, out)
	}
	return res.StatusCode, nil
}

// login signs in and returns the tokens.
func login(base, email string) (tokens, error) {
	var t tokens
	st, err := postJSON(base+"/v1/auth/login", map[string]string{"email": email, "password": password}, &t)
	if err == nil && st != http.StatusOK {
		err = fmt.Errorf("login %s: status %d", email, st)
	}
	return t, err
}

// getJSON fetches url with a bearer token into out.
func getJSON(url, token string, out any) error {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, res.StatusCode)
	}
	return json.NewDecoder(res.Body).Decode(out)
}

// deepCursor walks pages of limit users and returns the cursor of page n+1.
func deepCursor(base, token string, limit, pages int) (string, error) {
	cursor := ""
	for range pages {
		var page struct {
			Pagination struct {
				NextCursor *string `json:"nextCursor"`
			} `json:"pagination"`
		}
		u := fmt.Sprintf("%s/v1/users?limit=%d", base, limit)
		if cursor != "" {
			u += "&cursor=" + cursor
		}
		if err := getJSON(u, token, &page); err != nil {
			return "", err
		}
		if page.Pagination.NextCursor == nil {
			return "", fmt.Errorf("the list ended before page %d", pages)
		}
		cursor = *page.Pagination.NextCursor
	}
	return cursor, nil
}

// driven is the outcome of a Go-driven scenario.
type driven struct {
	ok, fivexx, other int64
	rps               float64
	p50, p99          time.Duration
}

// drive runs workers goroutines calling do until d passes and summarises their calls.
func drive(workers int, d time.Duration, do func(w int) (int, error)) driven {
	var (
		mu    sync.Mutex
		lat   []time.Duration
		out   driven
		ok    atomic.Int64
		five  atomic.Int64
		other atomic.Int64
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t := time.Now()
				st, err := do(w)
				mine = append(mine, time.Since(t))
				switch {
				case err == nil && st == http.StatusOK:
					ok.Add(1)
				case st >= 500:
					five.Add(1)
				default:
					other.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	out.ok, out.fivexx, out.other = ok.Load(), five.Load(), other.Load()
	out.rps = float64(out.ok) / elapsed.Seconds()
	slices.Sort(lat)
	if len(lat) > 0 {
		out.p50, out.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return out
}

// burst starts n calls of do at the same instant, one per client, and summarises them
// (req/s is n over the time until the last one answered).
func burst(n int, do func(w int) (int, error)) driven {
	var (
		mu  sync.Mutex
		lat []time.Duration
		out driven
		wg  sync.WaitGroup
	)
	start := make(chan struct{})
	for w := range n {
		wg.Go(func() {
			<-start
			t := time.Now()
			st, err := do(w)
			d := time.Since(t)
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, d)
			switch {
			case err == nil && st == http.StatusOK:
				out.ok++
			case st >= 500:
				out.fivexx++
			default:
				out.other++
			}
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	out.rps = float64(out.ok) / time.Since(began).Seconds()
	slices.Sort(lat)
	out.p50, out.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	return out
}

// counters reads the database's committed transactions and Redis's processed commands,
// to tell how many round trips a request cost.
type counters struct {
	pg  *pgx.Conn
	db  string
	rdb *redis.Client
}

func (c counters) read(ctx context.Context) (xacts, cmds int64) {
	_ = c.pg.QueryRow(ctx, "SELECT pg_stat_clear_snapshot()").Scan(new(any))
	_ = c.pg.QueryRow(ctx, "SELECT xact_commit FROM pg_stat_database WHERE datname = $1", c.db).Scan(&xacts)
	info, _ := c.rdb.Info(ctx, "stats").Result()
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
			fmt.Sscan(v, &cmds)
		}
	}
	return xacts, cmds
}
