package e2e_test

import (
	"cmp"
	"context"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/keelhq/keel/platform/testkit/proctest"
)

// purgeSeed is what the purge actions should remove and keep.
type purgeSeed struct {
	goneSessions, keptSessions []string
	goneTokens, keptTokens     []string
}

// seedPurgeable stores sessions (each with a refresh token) and one-time tokens, some
// ended long before the idle lifetime (336h by default), some not.
func seedPurgeable(t *testing.T, db *pgxpool.Pool) purgeSeed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	exec := func(q string, args ...any) string {
		var id string
		if err := db.QueryRow(ctx, q, args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return id
	}
	user := exec(`INSERT INTO users (id, email, name, role, status, locale, created_at, updated_at)
		VALUES (gen_random_uuid(), 'purge-'||gen_random_uuid()||'@example.com', 'P', 'user', 'active', 'en', now(), now()) RETURNING id::text`)
	session := func(expires, revoked string) string {
		id := exec(`INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, revoked_at)
			VALUES (gen_random_uuid(), $1, now() - interval '900 hours', now() - interval '900 hours', now() + $2::interval, now() + $3::interval)
			RETURNING id::text`, user, expires, revoked)
		exec(`INSERT INTO refresh_tokens (id, session_id, token_hash, created_at) VALUES (gen_random_uuid(), $1, decode(md5(random()::text), 'hex'), now()) RETURNING id::text`, id)
		return id
	}
	token := func(expires, used string) string {
		return exec(`INSERT INTO one_time_tokens (id, user_id, purpose, token_hash, created_at, expires_at, used_at)
			VALUES (gen_random_uuid(), $1, 'password_reset', decode(md5(random()::text), 'hex'), now() - interval '900 hours', now() + $2::interval, now() + $3::interval)
			RETURNING id::text`, user, expires, used)
	}
	return purgeSeed{
		goneSessions: []string{session("-400 hours", "-1 hour"), session("1 hour", "-400 hours")},
		keptSessions: []string{session("1 hour", "-1 hour"), session("-1 hour", "1 hour"), session("24 hours", "100 years")},
		goneTokens:   []string{token("-400 hours", "100 years"), token("1 hour", "-400 hours")},
		keptTokens:   []string{token("-1 hour", "100 years"), token("1 hour", "-1 hour"), token("1 hour", "100 years")},
	}
}

// check verifies what the purges left.
func (p purgeSeed) check(t *testing.T, db *pgxpool.Pool) {
	t.Helper()
	count := func(q, id string) int {
		var n int
		if err := db.QueryRow(context.Background(), q, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, want := range []struct {
		ids  []string
		n    int
		what string
		q    string
	}{
		{p.goneSessions, 0, "ended session", `SELECT count(*) FROM sessions WHERE id = $1`},
		{p.goneSessions, 0, "refresh token of an ended session", `SELECT count(*) FROM refresh_tokens WHERE session_id = $1`},
		{p.keptSessions, 1, "live or lately ended session", `SELECT count(*) FROM sessions WHERE id = $1`},
		{p.keptSessions, 1, "refresh token of a kept session", `SELECT count(*) FROM refresh_tokens WHERE session_id = $1`},
		{p.goneTokens, 0, "used or expired token", `SELECT count(*) FROM one_time_tokens WHERE id = $1`},
		{p.keptTokens, 1, "live or lately ended token", `SELECT count(*) FROM one_time_tokens WHERE id = $1`},
	} {
		for _, id := range want.ids {
			if got := count(want.q, id); got != want.n {
				t.Errorf("%s %s: %d rows, want %d", want.what, id, got, want.n)
			}
		}
	}
}

// Acceptance 1 and 5: three cron instances run each window of the per-second probe and of
// every shipped action (at @every 1s) exactly once; the ledger, GET /v1/cron/runs and the
// actions' own effects agree; `cron list` shows last and next runs.
func TestCronThreeInstancesRunEachWindowOnce(t *testing.T) {
	t.Parallel()
	shipped := []string{"auth.purge_sessions", "auth.purge_tokens", "auth.purge_sign_ins", "events.prune", "notification.purge_read"}
	s, db := cronStack(t, "test.tick=@every 1s,auth.purge_sessions=@every 1s,auth.purge_tokens=@every 1s,events.prune=@every 1s,auth.purge_sign_ins=@every 1s,notification.purge_read=@every 1s")
	seed := seedPurgeable(t, db)
	api := s.start("api")
	admin := idCreateAdmin(t, s, api.URL)
	crons := []*node{s.start("cron"), s.start("cron"), s.start("cron")}
	pids := map[int]bool{}
	for _, c := range crons {
		pids[c.PID()] = true
	}
	waitWindows(t, db, "test.tick", 8, time.Minute)
	// The leader's /metrics counts the runs, failures, durations and lag.
	metrics := ""
	for _, c := range crons {
		metrics += string(do(t, "GET", c.URL+"/metrics", nil).Body)
	}
	for _, want := range []string{
		`keel_cron_runs_total{action="test.tick",status="succeeded"}`,
		`keel_cron_run_duration_seconds_count{action="auth.purge_sessions"}`,
		`keel_cron_schedule_lag_seconds_bucket{action="auth.purge_tokens",le=`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("no instance's /metrics has %s", want)
		}
	}
	// The standbys stop first: stopped before them, the leader would hand over to one,
	// which would run the next windows itself before its own stop (seen as two leaders).
	ticks := scheduled(ledger(t, db, "test.tick"))
	leader := pidOf(t, ticks[len(ticks)-1].Instance)
	slices.SortStableFunc(crons, func(a, b *node) int { return cmp.Compare(boolInt(a.PID() == leader), boolInt(b.PID() == leader)) })
	for _, c := range crons {
		if code := c.Stop(15 * time.Second); code != 0 {
			t.Errorf("cron exited %d\n%s", code, tail(c.Output()))
		}
	}

	for _, action := range append([]string{"test.tick"}, shipped...) {
		rows := scheduled(ledger(t, db, action))
		if len(rows) < 5 {
			t.Fatalf("%s ran %d windows, want at least 5", action, len(rows))
		}
		wantContiguous(t, action, rows)
		runs := apiWindows(t, apiRuns(t, api.URL, admin.Access, "action="+action))
		if len(runs) != len(rows) {
			t.Errorf("%s: the API lists %d runs, the ledger has %d", action, len(runs), len(rows))
		}
		for _, r := range rows {
			if r.Status != "succeeded" || !r.HasFinish || r.HasErrText || !pids[pidOf(t, r.Instance)] {
				t.Errorf("%s %s: %+v, want succeeded by one of the instances", action, r.Window.Format(time.RFC3339), r)
			}
			if runs[r.Window] != r.Status {
				t.Errorf("%s %s: the API says %q, the ledger %q", action, r.Window.Format(time.RFC3339), runs[r.Window], r.Status)
			}
		}
		// Nobody killed the leader: one instance scheduled every window.
		if in := instances(rows); len(in) != 1 {
			t.Errorf("%s was run by %v, want a single leader", action, in)
		}
	}
	rows := scheduled(ledger(t, db, "test.tick"))
	probed := probes(t, db, "test.tick")
	if len(probed) != len(rows) {
		t.Errorf("the probe ran for %d windows, the ledger has %d", len(probed), len(rows))
	}
	for _, r := range rows {
		if probed[r.Window] != 1 {
			t.Errorf("window %s ran %d times, want once", r.Window.Format(time.RFC3339), probed[r.Window])
		}
	}
	seed.check(t, db)

	code, out := s.run("cron", "", "list")
	if code != 0 {
		t.Fatalf("cron list: exit %d\n%s", code, out)
	}
	for _, action := range append([]string{"test.tick"}, shipped...) {
		line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(action) + `\s+@every 1s\s.*succeeded \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
		if !line.MatchString(out) {
			t.Errorf("cron list has no line for %s with its last run (succeeded, when) and next run:\n%s", action, out)
		}
	}
	t.Logf("test.tick: %d windows, one leader; cron list:\n%s", len(rows), out)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Acceptance 3 and 4: an overrunning action is cancelled at its timeout, recorded
// timed_out, and the next window runs; `cron run NAME` runs through the same ledger, exits
// with the run's outcome, is refused while a run of the action is in progress, and names
// the known actions for an unknown one.
func TestCronTimeoutAndOneShotRuns(t *testing.T) {
	t.Parallel()
	s, db := cronStack(t, "test.overrun=@every 2s")
	api := s.start("api")
	admin := idCreateAdmin(t, s, api.URL)
	c := s.start("cron")
	waitWindows(t, db, "test.overrun", 2, time.Minute)
	c.Stop(15 * time.Second)

	rows := ledger(t, db, "test.overrun")
	if rows[0].Status != "timed_out" || rows[0].Error != "timed out after 1s" {
		t.Errorf("first window: %+v, want timed_out", rows[0])
	}
	if took := rows[0].Finished.Sub(rows[0].Started); took < time.Second || took > 4*time.Second {
		t.Errorf("the overrunning run was cancelled after %s, want its 1s timeout", took)
	}
	if rows[1].Status != "succeeded" || rows[1].Window.Sub(rows[0].Window) != 2*time.Second {
		t.Errorf("next window: %+v, want the next 2s window, succeeded", rows[1])
	}
	timedOut := apiRuns(t, api.URL, admin.Access, "status=timed_out")
	if len(timedOut) != 1 || timedOut[0]["action"] != "test.overrun" || timedOut[0]["durationMs"].(float64) < 1000 ||
		timedOut[0]["error"] != "timed out after 1s" {
		t.Errorf("GET /v1/cron/runs?status=timed_out = %v", timedOut)
	}

	// cron run: success.
	code, out := s.run("cron", "", "run", "test.tick")
	if code != 0 || !strings.Contains(out, "test.tick succeeded") {
		t.Fatalf("cron run test.tick: exit %d\n%s", code, out)
	}
	oneShot := ledger(t, db, "test.tick")
	if len(oneShot) != 1 || oneShot[0].Instance != "cron run" || oneShot[0].Status != "succeeded" || len(probes(t, db, "test.tick")) != 1 {
		t.Fatalf("ledger after cron run test.tick: %+v", oneShot)
	}
	listed := apiRuns(t, api.URL, admin.Access, "action=test.tick")
	if len(listed) != 1 || listed[0]["instance"] != "cron run" || listed[0]["status"] != "succeeded" || listed[0]["id"] != oneShot[0].ID {
		t.Errorf("GET /v1/cron/runs?action=test.tick = %v", listed)
	}

	// cron run: failure, recorded without its secrets.
	code, out = s.run("cron", "", "run", "test.fail")
	failed := ledger(t, db, "test.fail")
	if code == 0 || len(failed) != 1 || failed[0].Status != "failed" || !strings.Contains(failed[0].Error, "probe failure") {
		t.Fatalf("cron run test.fail: exit %d, ledger %+v\n%s", code, failed, out)
	}
	for _, r := range apiRuns(t, api.URL, admin.Access, "action=test.fail") {
		if strings.Contains(r["error"].(string), "hunter2") || strings.Contains(failed[0].Error, "hunter2") {
			t.Errorf("the ledger keeps a secret: %q", r["error"])
		}
	}

	// cron run: unknown name.
	code, out = s.run("cron", "", "run", "nope")
	if code == 0 || !strings.Contains(out, `"nope"`) || !strings.Contains(out, "auth.purge_sessions") || !strings.Contains(out, "test.tick") {
		t.Errorf("cron run nope: exit %d, want non-zero naming the known actions\n%s", code, out)
	}

	// cron run: refused while a run of the action is in progress.
	hold := proctest.Start(t, s.bins["cron"], proctest.Options{Args: []string{"run", "test.hold"}, Env: s.env})
	waitFor(t, "test.hold to start", startTimeout, func() (bool, string) { return len(probes(t, db, "test.hold")) == 1, "" })
	code, out = s.run("cron", "", "run", "test.hold")
	if code == 0 || !strings.Contains(out, "in progress") {
		t.Errorf("a second cron run test.hold: exit %d, want refused\n%s", code, out)
	}
	if err := hold.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code, err := hold.Wait(15 * time.Second); code == 0 || err != nil {
		t.Errorf("interrupted cron run: exit %d, %v\n%s", code, err, hold.Output())
	}
	// A bad CRON_SCHEDULES stops cron at start-up as any bad setting does: status 2 and
	// one plain line naming the variable and what is wrong.
	for bad, named := range map[string]string{
		"nope=off":                `keel cron: invalid configuration: CRON_SCHEDULES names "nope", which is no scheduled action`,
		"test.tick=@every banana": `keel cron: invalid configuration: CRON_SCHEDULES: scheduled action test.tick: schedule "@every banana"`,
		"test.tick":               `keel cron: invalid configuration: CRON_SCHEDULES: "test.tick" is not name=schedule`,
	} {
		p := proctest.Start(t, s.bins["cron"], proctest.Options{Env: append(s.env[:len(s.env):len(s.env)], "CRON_SCHEDULES="+bad)})
		if code, err := p.Wait(startTimeout); code != 2 || err != nil || !strings.Contains(p.Output(), named) {
			t.Errorf("cron with CRON_SCHEDULES=%s: exit %d, %v; want it refused naming %s\n%s", bad, code, err, named, tail(p.Output()))
		}
	}

	held := ledger(t, db, "test.hold")
	if len(held) != 1 || held[0].Status != "failed" || !strings.Contains(held[0].Error, "interrupted") || len(probes(t, db, "test.hold")) != 1 {
		t.Errorf("ledger of test.hold: %+v, want one interrupted run (the refused one left no row)", held)
	}
}
