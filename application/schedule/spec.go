package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Off is the schedule of an action that only `cron run` runs.
const Off = "off"

// Schedule is a parsed schedule: the windows an action runs for. The zero value is off.
type Schedule struct {
	spec  string
	every time.Duration
	cron  cron.Schedule
}

// neverReference is where ParseSchedule looks for an expression's first window: five
// years from it hold every date that exists (29 February included).
var neverReference = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule reads spec: "off", "@every D" (D a whole number of seconds, at least 1s;
// windows fall on whole multiples of D since the zero time, so every instance computes the
// same ones), or a five-field cron expression or descriptor read in zone (IANA; empty is
// UTC), which may itself start with "TZ=Zone ".
func ParseSchedule(spec, zone string) (Schedule, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == Off:
		return Schedule{spec: Off}, nil
	case strings.HasPrefix(spec, "@every "):
		d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(spec, "@every ")))
		if err != nil {
			return Schedule{}, fmt.Errorf("bad interval: %w", err)
		}
		if d < time.Second || d%time.Second != 0 {
			return Schedule{}, errors.New("the interval must be a whole number of seconds, at least 1s")
		}
		return Schedule{spec: spec, every: d}, nil
	case spec == "":
		return Schedule{}, errors.New("empty schedule")
	}
	loc := time.UTC
	if zone != "" {
		l, err := time.LoadLocation(zone)
		if err != nil {
			return Schedule{}, fmt.Errorf("time zone: %w", err)
		}
		loc = l
	}
	expr := spec
	if !strings.HasPrefix(spec, "TZ=") && !strings.HasPrefix(spec, "CRON_TZ=") {
		expr = "TZ=" + loc.String() + " " + spec
	}
	s, err := parser.Parse(expr)
	if err != nil {
		return Schedule{}, err
	}
	// The parser finds a window within five years or none (30 February): a schedule with
	// no next window would leave its loop nothing to wait for.
	if s.Next(neverReference).IsZero() {
		return Schedule{}, errors.New("the expression never matches a date")
	}
	return Schedule{spec: spec, cron: s}, nil
}

// Off reports whether the schedule runs nothing on its own.
func (s Schedule) Off() bool { return s.every == 0 && s.cron == nil }

// String returns the schedule as written.
func (s Schedule) String() string {
	if s.Off() {
		return Off
	}
	return s.spec
}

// Next returns the first window strictly after t, in UTC, or the zero time when off.
func (s Schedule) Next(t time.Time) time.Time {
	switch {
	case s.every > 0:
		return t.UTC().Truncate(s.every).Add(s.every)
	case s.cron != nil:
		return s.cron.Next(t).UTC()
	}
	return time.Time{}
}

// Windows returns the windows in (after, upTo], oldest first, at most max of them (the
// newest ones when there are more).
func (s Schedule) Windows(after, upTo time.Time, max int) []time.Time {
	var out []time.Time
	if s.Off() {
		return nil
	}
	// Compared as a count of intervals: max times a long interval overflows a Duration.
	if s.every > 0 && upTo.Sub(after)/s.every > time.Duration(max) {
		after = upTo.Add(-time.Duration(max) * s.every)
	}
	for w := s.Next(after); !w.IsZero() && !w.After(upTo); w = s.Next(w) {
		out = append(out, w)
		if len(out) > max {
			out = out[1:]
		}
	}
	return out
}
