package browsertest

import (
	"strings"
	"testing"
)

// recorder is a testing.TB that records Skip and Fatal instead of acting on them, and
// stops the code under test as they would.
type recorder struct {
	testing.TB
	skipped, failed string
}

type stopped struct{}

func (r *recorder) Helper()          {}
func (r *recorder) Skip(args ...any) { r.skipped = strings.TrimSpace(sprint(args)); panic(stopped{}) }
func (r *recorder) Fatal(args ...any) {
	r.failed = strings.TrimSpace(sprint(args))
	panic(stopped{})
}

func sprint(args []any) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(a.(string))
	}
	return b.String()
}

func chromiumWith(t *testing.T, ci string) *recorder {
	t.Setenv("CI", ci)
	saved := candidates
	candidates = []string{"/nonexistent/chromium"}
	defer func() { candidates = saved }()
	r := &recorder{TB: t}
	func() {
		defer func() {
			if v := recover(); v != nil {
				if _, ok := v.(stopped); !ok {
					panic(v)
				}
			}
		}()
		Chromium(r)
	}()
	return r
}

func TestMissingChromiumSkipsOutsideCI(t *testing.T) {
	r := chromiumWith(t, "")
	if r.failed != "" || !strings.Contains(r.skipped, "apt-get install -y chromium") {
		t.Fatalf("skipped %q, failed %q; want a skip naming apt-get install -y chromium", r.skipped, r.failed)
	}
}

func TestMissingChromiumFailsInCI(t *testing.T) {
	r := chromiumWith(t, "true")
	if r.skipped != "" || !strings.Contains(r.failed, "apt-get install -y chromium") {
		t.Fatalf("skipped %q, failed %q; want a failure under CI=true", r.skipped, r.failed)
	}
}
