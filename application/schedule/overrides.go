package schedule

import (
	"fmt"
	"regexp"
	"strings"
)

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
				return nil, fmt.Errorf("CRON_SCHEDULES: %q is not name=schedule", strings.TrimSpace(piece))
			}
			out[last] += "," + piece
			continue
		}
		last = m[1]
		if _, dup := out[last]; dup {
			return nil, fmt.Errorf("CRON_SCHEDULES names %q twice", last)
		}
		out[last] = piece[len(m[0]):]
	}
	for name, spec := range out {
		out[name] = strings.TrimSpace(spec)
		if out[name] == "" {
			return nil, fmt.Errorf("CRON_SCHEDULES: %q has an empty schedule", name)
		}
	}
	return out, nil
}
