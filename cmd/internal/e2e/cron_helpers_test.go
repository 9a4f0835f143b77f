package e2e_test

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// cronStack is a stack whose cron instances run with schedules (CRON_SCHEDULES), with
// the cron_probe table the probe actions (APP_ENV=test) write to.
func cronStack(t *testing.T, schedules string, extra ...string) (*stack, *pgxpool.Pool) {
	t.Helper()
	s := newStack(t, append([]string{"CRON_SCHEDULES=" + schedules}, extra...)...)
	db := idDB(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := db.Exec(ctx, `CREATE TABLE cron_probe (action text NOT NULL, window_at timestamptz NOT NULL,
		at timestamptz NOT NULL DEFAULT clock_timestamp())`)
	if err != nil {
		t.Fatal(err)
	}
	return s, db
}

// ledgerRow is one cron_runs row as stored.
type ledgerRow struct {
	ID                    string
	Window                time.Time
	Status, Error         string
	Instance              string
	Started, Finished     time.Time
	Manual                bool
	HasFinish, HasErrText bool
}

// ledger returns the action's rows, oldest window first.
func ledger(t *testing.T, db *pgxpool.Pool, action string) []ledgerRow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := db.Query(ctx, `SELECT id::text, window_at, status, coalesce(error, ''), error IS NOT NULL, instance,
		started_at, coalesce(finished_at, started_at), finished_at IS NOT NULL, manual
		FROM cron_runs WHERE action = $1 ORDER BY window_at`, action)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []ledgerRow
	for rows.Next() {
		var r ledgerRow
		if err := rows.Scan(&r.ID, &r.Window, &r.Status, &r.Error, &r.HasErrText, &r.Instance, &r.Started, &r.Finished, &r.HasFinish, &r.Manual); err != nil {
			t.Fatal(err)
		}
		r.Window = r.Window.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// probes counts the probe rows per window of an action: how often it really ran.
func probes(t *testing.T, db *pgxpool.Pool, action string) map[time.Time]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := db.Query(ctx, `SELECT window_at FROM cron_probe WHERE action = $1`, action)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[time.Time]int{}
	for rows.Next() {
		var w time.Time
		if err := rows.Scan(&w); err != nil {
			t.Fatal(err)
		}
		out[w.UTC()]++
	}
	return out
}

// scheduled returns the rows not made by `cron run`.
func scheduled(rows []ledgerRow) []ledgerRow {
	var out []ledgerRow
	for _, r := range rows {
		if !r.Manual {
			out = append(out, r)
		}
	}
	return out
}

// wantContiguous checks that rows are one per second, with no gap, from the first window
// to the last.
func wantContiguous(t *testing.T, action string, rows []ledgerRow) {
	t.Helper()
	for i := 1; i < len(rows); i++ {
		if d := rows[i].Window.Sub(rows[i-1].Window); d != time.Second {
			t.Errorf("%s: windows %s and %s are %s apart, want 1s (a window lost or doubled)",
				action, rows[i-1].Window.Format(time.RFC3339), rows[i].Window.Format(time.RFC3339), d)
		}
	}
}

// apiRuns reads every page of GET /v1/cron/runs with query (e.g. "action=test.tick").
func apiRuns(t *testing.T, api, token, query string) []map[string]any {
	t.Helper()
	var out []map[string]any
	cursor := ""
	for {
		u := api + "/v1/cron/runs?limit=100&" + query
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		r := do(t, "GET", u, nil, idBearer(token)...)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d\n%s", u, r.Status, r.Body)
		}
		page := r.JSON(t)
		for _, d := range page["data"].([]any) {
			out = append(out, d.(map[string]any))
		}
		p := page["pagination"].(map[string]any)
		if p["hasMore"] != true {
			return out
		}
		cursor = p["nextCursor"].(string)
	}
}

// apiWindows maps each run's window to its status, failing on a window listed twice.
func apiWindows(t *testing.T, runs []map[string]any) map[time.Time]string {
	t.Helper()
	out := map[time.Time]string{}
	for _, r := range runs {
		w, err := time.Parse(time.RFC3339Nano, r["window"].(string))
		if err != nil || !strings.HasSuffix(r["window"].(string), "Z") {
			t.Fatalf("window %v is not RFC 3339 UTC", r["window"])
		}
		if _, dup := out[w]; dup {
			t.Errorf("the API lists window %s twice", r["window"])
		}
		out[w] = r["status"].(string)
	}
	return out
}

// pidOf reads the process id out of an instance name "host:pid".
func pidOf(t *testing.T, instance string) int {
	t.Helper()
	i := strings.LastIndexByte(instance, ':')
	pid, err := strconv.Atoi(instance[i+1:])
	if i < 0 || err != nil {
		t.Fatalf("instance %q is not host:pid", instance)
	}
	return pid
}

// instances lists the distinct instances of rows, sorted.
func instances(rows []ledgerRow) []string {
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Instance] = true
	}
	var out []string
	for i := range seen {
		out = append(out, i)
	}
	sort.Strings(out)
	return out
}

// waitWindows waits until the action has at least n scheduled rows whose status is final.
func waitWindows(t *testing.T, db *pgxpool.Pool, action string, n int, timeout time.Duration) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d finished windows of %s", n, action), timeout, func() (bool, string) {
		done := 0
		for _, r := range scheduled(ledger(t, db, action)) {
			if r.Status != "running" {
				done++
			}
		}
		return done >= n, fmt.Sprintf("%d", done)
	})
}
