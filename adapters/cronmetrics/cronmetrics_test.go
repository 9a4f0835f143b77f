package cronmetrics_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelhq/keel/adapters/cronmetrics"
	"github.com/keelhq/keel/application/schedule"
)

// series reads every sample of reg as "name{label=value,...}" -> value (histograms: their
// sample count).
func series(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName() + "{"
			for i, l := range m.GetLabel() {
				if i > 0 {
					key += ","
				}
				key += l.GetName() + "=" + l.GetValue()
			}
			key += "}"
			switch {
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				out[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := cronmetrics.New(reg)
	m.Finished("a.x", schedule.StatusSucceeded, 20*time.Millisecond, 3*time.Millisecond)
	m.Finished("a.x", schedule.StatusTimedOut, time.Second, 0)
	m.Finished("a.x", schedule.StatusFailed, time.Millisecond, 0)
	m.Skipped("a.x", 4)
	got := series(t, reg)
	for key, want := range map[string]float64{
		"keel_cron_runs_total{action=a.x,status=succeeded}": 1,
		"keel_cron_runs_total{action=a.x,status=timed_out}": 1,
		"keel_cron_runs_total{action=a.x,status=failed}":    1,
		"keel_cron_runs_total{action=a.x,status=skipped}":   4,
		"keel_cron_failures_total{action=a.x}":              2,
		"keel_cron_run_duration_seconds{action=a.x}":        3,
		"keel_cron_schedule_lag_seconds{action=a.x}":        3,
	} {
		if got[key] != want {
			t.Errorf("%s = %v, want %v", key, got[key], want)
		}
	}
}
