package schedule_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/application/schedule"
)

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ spec, zone, err string }{
		{"off", "", ""},
		{"@every 1s", "", ""},
		{"@every 90m", "", ""},
		{"17 * * * *", "", ""},
		{"*/15 * * * *", "Europe/Berlin", ""},
		{"0 3 * * MON-FRI", "", ""},
		{"@daily", "", ""},
		{"TZ=America/New_York 0 9 * * *", "", ""},
		{"", "", "empty"},
		{"@every banana", "", "bad interval"},
		{"@every 500ms", "", "whole number of seconds"},
		{"@every 1500ms", "", "whole number of seconds"},
		{"@every 0s", "", "at least 1s"},
		{"not a cron", "", "expected"},
		{"* * * *", "", "expected exactly 5"},
		{"* * * * * *", "", "expected exactly 5"},
		{"61 * * * *", "", "above maximum"},
		{"0 3 * * *", "Mars/Olympus", "time zone"},
		// An expression no date matches would leave the scheduler with no next window.
		{"0 0 30 2 *", "", "never"},
		{"0 0 31 4 *", "", "never"},
		{"0 0 29 2 *", "", ""},
		{"@every 8760h", "", ""},
	} {
		_, err := schedule.ParseSchedule(tt.spec, tt.zone)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("ParseSchedule(%q, %q) = %v", tt.spec, tt.zone, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseSchedule(%q, %q) = %v, want an error containing %q", tt.spec, tt.zone, err, tt.err)
		}
	}
}

func mustSchedule(t *testing.T, spec, zone string) schedule.Schedule {
	t.Helper()
	s, err := schedule.ParseSchedule(spec, zone)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScheduleNext(t *testing.T) {
	t.Parallel()
	winter := time.Date(2026, 1, 15, 10, 20, 30, 500, time.UTC)
	summer := time.Date(2026, 7, 15, 10, 20, 30, 500, time.UTC)
	for _, tt := range []struct {
		spec, zone string
		after      time.Time
		want       time.Time
	}{
		{"@every 1s", "", winter, time.Date(2026, 1, 15, 10, 20, 31, 0, time.UTC)},
		{"@every 1m", "", winter, time.Date(2026, 1, 15, 10, 21, 0, 0, time.UTC)},
		{"@every 1h", "Europe/Berlin", winter, time.Date(2026, 1, 15, 11, 0, 0, 0, time.UTC)},
		{"@every 1s", "", time.Date(2026, 1, 15, 10, 20, 31, 0, time.UTC), time.Date(2026, 1, 15, 10, 20, 32, 0, time.UTC)},
		{"17 * * * *", "", winter, time.Date(2026, 1, 15, 11, 17, 0, 0, time.UTC)},
		{"0 3 * * *", "Europe/Berlin", winter, time.Date(2026, 1, 16, 2, 0, 0, 0, time.UTC)},
		{"0 3 * * *", "Europe/Berlin", summer, time.Date(2026, 7, 16, 1, 0, 0, 0, time.UTC)},
		{"TZ=America/New_York 0 9 * * *", "", winter, time.Date(2026, 1, 15, 14, 0, 0, 0, time.UTC)},
		{"off", "", winter, time.Time{}},
	} {
		got := mustSchedule(t, tt.spec, tt.zone).Next(tt.after)
		if !got.Equal(tt.want) || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("%q in %q: Next(%s) = %s, want %s", tt.spec, tt.zone, tt.after, got, tt.want)
		}
	}
	if s := mustSchedule(t, "off", ""); !s.Off() || s.String() != "off" {
		t.Errorf("off: %v %q", s.Off(), s)
	}
	if s := mustSchedule(t, " @every 2s ", ""); s.Off() || s.String() != "@every 2s" {
		t.Errorf("@every 2s: %v %q", s.Off(), s)
	}
}

func TestScheduleWindows(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	s := mustSchedule(t, "@every 1s", "")
	got := s.Windows(t0, t0.Add(3*time.Second), 100)
	if len(got) != 3 || !got[0].Equal(t0.Add(time.Second)) || !got[2].Equal(t0.Add(3*time.Second)) {
		t.Errorf("Windows(t0, t0+3s] = %v", got)
	}
	if got := s.Windows(t0, t0.Add(999*time.Millisecond), 100); len(got) != 0 {
		t.Errorf("no window yet, got %v", got)
	}
	// At most max, the newest ones, without walking a long interval window by window.
	got = s.Windows(t0.Add(-24*time.Hour), t0, 5)
	if len(got) != 5 || !got[4].Equal(t0) || !got[0].Equal(t0.Add(-4*time.Second)) {
		t.Errorf("Windows capped = %v", got)
	}
	hourly := mustSchedule(t, "0 * * * *", "")
	got = hourly.Windows(t0.Add(-5*time.Hour), t0, 3)
	if len(got) != 3 || !got[2].Equal(t0) || !got[0].Equal(t0.Add(-2*time.Hour)) {
		t.Errorf("hourly Windows capped = %v", got)
	}
	// A long interval times the cap is past what a Duration holds: the due window is
	// still found.
	for _, spec := range []string{"@every 2600h", "@every 8760h", "@every 2562047h"} {
		long := mustSchedule(t, spec, "")
		next := long.Next(t0)
		if got := long.Windows(t0, next, 1000); len(got) != 1 || !got[0].Equal(next) {
			t.Errorf("%s: Windows(t0, %s] = %v, want [%s]", spec, next, got, next)
		}
	}
	if got := mustSchedule(t, "off", "").Windows(t0.Add(-time.Hour), t0, 10); got != nil {
		t.Errorf("off has windows %v", got)
	}
}

func TestParseOverrides(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want map[string]string
		err  string
	}{
		{"", map[string]string{}, ""},
		{"  ", map[string]string{}, ""},
		{"auth.purge_sessions=@every 1s,auth.purge_tokens=off", map[string]string{"auth.purge_sessions": "@every 1s", "auth.purge_tokens": "off"}, ""},
		{" a = 0 1,13 * * * , b=off", map[string]string{"a": "0 1,13 * * *", "b": "off"}, ""},
		{"a=TZ=Europe/Berlin 0 3 * * 1,3,5", map[string]string{"a": "TZ=Europe/Berlin 0 3 * * 1,3,5"}, ""},
		{"@every 1s", nil, "is not name=schedule"},
		{"a=off,a=@daily", nil, `"a" twice`},
		{"a=", nil, "empty schedule"},
		{"A=off", nil, "is not name=schedule"},
	} {
		got, err := schedule.ParseOverrides(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseOverrides(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("ParseOverrides(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("ParseOverrides(%q)[%s] = %q, want %q", tt.in, k, got[k], v)
			}
		}
	}
}
