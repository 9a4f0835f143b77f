package cron_test

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	httpcron "github.com/keelhq/keel/adapters/http/cron"
	"github.com/keelhq/keel/adapters/http/handlertest"
	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/application/schedule/scheduletest"
)

type fixture struct {
	*handlertest.Env
	adminTok, annTok string
	runs             []schedule.Run // oldest first
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newFixture mounts the route over a ledger holding a succeeded scheduled run, a running
// one, a skipped window and a failed one-shot run.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := handlertest.New(t, nil)
	ledger := scheduletest.NewLedger()
	e.Mount((&httpcron.Handler{Runs: &schedule.Runs{Ledger: ledger}, Cursors: e.Cursors}).Routes()...)
	f := &fixture{Env: e}
	_, _, f.adminTok = e.Account(t, "root@example.com", "Root", "admin")
	_, _, f.annTok = e.Account(t, "ann@example.com", "Ann", "user")
	ok := scheduletest.NewRun("auth.purge_sessions", t0)
	ok.Status, ok.FinishedAt = schedule.StatusSucceeded, ok.StartedAt.Add(1500*time.Millisecond)
	running := scheduletest.NewRun("auth.purge_sessions", t0.Add(time.Hour))
	skipped := scheduletest.NewRun("auth.purge_tokens", t0)
	skipped.Status, skipped.FinishedAt, skipped.Error = schedule.StatusSkipped, skipped.StartedAt, "missed (catch-up policy latest)"
	manual := scheduletest.NewRun("auth.purge_tokens", t0.Add(90*time.Minute+123*time.Microsecond))
	manual.Manual, manual.Instance = true, schedule.OneShot
	manual.Status, manual.FinishedAt, manual.Error = schedule.StatusFailed, manual.StartedAt.Add(time.Millisecond), "boom"
	for _, r := range []schedule.Run{ok, running, skipped, manual} {
		if began, err := ledger.Begin(context.Background(), r); !began || err != nil {
			t.Fatal(err)
		}
		f.runs = append(f.runs, r)
	}
	return f
}

func (f *fixture) list(t *testing.T, q url.Values, token string) (handlertest.Answer, handlertest.Page) {
	t.Helper()
	a := f.Do(t, handlertest.Request{Method: http.MethodGet, Path: "/v1/cron/runs?" + q.Encode(), Token: token})
	if a.Status != http.StatusOK {
		return a, handlertest.Page{}
	}
	return a, a.Page(t)
}

func TestCronRunResource(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, p := f.list(t, nil, f.adminTok)
	if len(p.Data) != 4 {
		t.Fatalf("%d runs", len(p.Data))
	}
	want := []map[string]any{
		{"id": f.runs[3].ID.String(), "action": "auth.purge_tokens", "window": "2026-03-01T13:30:00.000123Z", "status": "failed",
			"startedAt": "2026-03-01T13:30:00.001357Z", "finishedAt": "2026-03-01T13:30:00.002357Z", "durationMs": float64(1),
			"error": "boom", "instance": "cron run"},
		{"id": f.runs[2].ID.String(), "action": "auth.purge_tokens", "window": "2026-03-01T12:00:00Z", "status": "skipped",
			"startedAt": "2026-03-01T12:00:00.001234Z", "finishedAt": "2026-03-01T12:00:00.001234Z", "durationMs": float64(0),
			"error": "missed (catch-up policy latest)", "instance": "host:1"},
		{"id": f.runs[1].ID.String(), "action": "auth.purge_sessions", "window": "2026-03-01T13:00:00Z", "status": "running",
			"startedAt": "2026-03-01T13:00:00.001234Z", "finishedAt": nil, "durationMs": nil, "error": nil, "instance": "host:1"},
		{"id": f.runs[0].ID.String(), "action": "auth.purge_sessions", "window": "2026-03-01T12:00:00Z", "status": "succeeded",
			"startedAt": "2026-03-01T12:00:00.001234Z", "finishedAt": "2026-03-01T12:00:01.501234Z", "durationMs": float64(1500),
			"error": nil, "instance": "host:1"},
	}
	for i := range want {
		if !reflect.DeepEqual(p.Data[i], want[i]) {
			t.Errorf("run %d\n got %v\nwant %v", i, p.Data[i], want[i])
		}
	}
}

func TestCronRunsPagesAndFilters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, first := f.list(t, url.Values{"limit": {"3"}}, f.adminTok)
	if len(first.Data) != 3 || !first.Pagination.HasMore || first.Pagination.NextCursor == nil {
		t.Fatalf("first page %v %+v", first.Data, first.Pagination)
	}
	_, rest := f.list(t, url.Values{"limit": {"3"}, "cursor": {*first.Pagination.NextCursor}}, f.adminTok)
	if len(rest.Data) != 1 || rest.Data[0]["id"] != f.runs[0].ID.String() || rest.Pagination.HasMore {
		t.Fatalf("second page %v %+v", rest.Data, rest.Pagination)
	}
	for _, tc := range []struct {
		q    url.Values
		want []int
	}{
		{url.Values{"action": {"auth.purge_sessions"}}, []int{1, 0}},
		{url.Values{"status": {"skipped"}}, []int{2}},
		{url.Values{"action": {"auth.purge_tokens"}, "status": {"failed"}}, []int{3}},
		{url.Values{"action": {"nope"}}, nil},
	} {
		_, p := f.list(t, tc.q, f.adminTok)
		var got []int
		for _, d := range p.Data {
			for i, r := range f.runs {
				if d["id"] == r.ID.String() {
					got = append(got, i)
				}
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.q, got, tc.want)
		}
	}
}

func TestCronRunsRefuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, first := f.list(t, url.Values{"limit": {"1"}}, f.adminTok)
	for _, tc := range []struct {
		name   string
		q      url.Values
		token  string
		status int
		code   string
		fields map[string]string
	}{
		{"non-admin", nil, f.annTok, http.StatusForbidden, "forbidden", nil},
		{"no credentials", nil, "", http.StatusUnauthorized, "unauthenticated", nil},
		{"unknown status", url.Values{"status": {"done"}}, f.adminTok, http.StatusBadRequest, "validation_failed",
			map[string]string{"status": "invalid_run_status"}},
		{"limit out of range", url.Values{"limit": {"101"}}, f.adminTok, http.StatusBadRequest, "validation_failed",
			map[string]string{"limit": "out_of_range"}},
		{"cursor of another filter", url.Values{"status": {"failed"}, "cursor": {*first.Pagination.NextCursor}}, f.adminTok,
			http.StatusBadRequest, "invalid_cursor", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := f.Do(t, handlertest.Request{Method: http.MethodGet, Path: "/v1/cron/runs?" + tc.q.Encode(), Token: tc.token})
			if a.Status != tc.status || a.Code != tc.code || !reflect.DeepEqual(a.Fields, tc.fields) {
				t.Errorf("answer %d %q %v, want %d %q %v: %s", a.Status, a.Code, a.Fields, tc.status, tc.code, tc.fields, a.Body)
			}
		})
	}
}
