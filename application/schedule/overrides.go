package schedule

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrBadOverride marks every error caused by the value of CRON_SCHEDULES (a malformed
// entry, an unknown action, a schedule that does not parse), so the process can report it
// as the bad setting it is.
var ErrBadOverride = errors.New("bad CRON_SCHEDULES")

// overrideError is an error of CRON_SCHEDULES: its message as given, matching ErrBadOverride.
type overrideError struct{ msg string }

func (e *overrideError) Error() string        { return e.msg }
func (e *overrideError) Is(target error) bool { return target == ErrBadOverride }

func badOverride(format string, args ...any) error {
	return &overrideError{msg: fmt.Sprintf(format, args...)}
}

// entryStart matches the start of one override: an action name and "=".
var entryStart = regexp.MustCompile(`^\s*([a-z][a-z0-9_.]*)\s*=`)

// ParseOverrides reads CRON_SCHEDULES: comma-separated `name=schedule` pairs, e.g.
// "auth.purge_sessions=@every 1s,auth.purge_tokens=off". A cron expression may itself
// contain commas ("0 1,13 * * *"): a piece that does not start with `name=` continues the
// previous schedule. Names are checked against the registry by NewRegistry.
func ParseOverrides(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	last := ""
	for _, piece := range strings.Split(s, ",") {
		m := entryStart.FindStringSubmatch(piece)
		if m == nil {
			if last == "" {
				return nil, badOverride("CRON_SCHEDULES: %q is not name=schedule", strings.TrimSpace(piece))
			}
			out[last] += "," + piece
			continue
		}
		last = m[1]
		if _, dup := out[last]; dup {
			return nil, badOverride("CRON_SCHEDULES names %q twice", last)
		}
		out[last] = piece[len(m[0]):]
	}
	for name, spec := range out {
		out[name] = strings.TrimSpace(spec)
		if out[name] == "" {
			return nil, badOverride("CRON_SCHEDULES: %q has an empty schedule", name)
		}
	}
	return out, nil
}
