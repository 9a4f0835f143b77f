package portstest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/keelhq/keel/ports"
	"github.com/keelhq/keel/ports/portstest"
)

var _ ports.Clock = (*portstest.Clock)(nil)

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := portstest.NewClock(t0)
	if !c.Now().Equal(t0) || !c.Now().Equal(t0) {
		t.Fatalf("Now = %v, want %v every time", c.Now(), t0)
	}
	c.Advance(90 * time.Minute)
	if want := t0.Add(90 * time.Minute); !c.Now().Equal(want) {
		t.Errorf("after Advance: %v, want %v", c.Now(), want)
	}
	c.Advance(-time.Hour)
	if want := t0.Add(30 * time.Minute); !c.Now().Equal(want) {
		t.Errorf("after a negative Advance: %v, want %v", c.Now(), want)
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Errorf("after Set: %v, want %v", c.Now(), t0)
	}
	var zero portstest.Clock
	if !zero.Now().IsZero() {
		t.Errorf("zero Clock reads %v", zero.Now())
	}
}

func TestClockConcurrentUse(t *testing.T) {
	c := portstest.NewClock(time.Time{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { c.Advance(time.Second); _ = c.Now() })
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(time.Time{}.Add(8 * time.Second)) {
		t.Errorf("Now = %v, want 8s after zero", got)
	}
}
