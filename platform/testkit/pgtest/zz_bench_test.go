package pgtest

import (
	"context"
	"testing"
	"time"
)

func TestZZCloneTiming(t *testing.T) {
	URL(t)
	for _, strat := range []string{"", " STRATEGY file_copy"} {
		var create, drop time.Duration
		for i := 0; i < 10; i++ {
			name := newDBName("bench")
			s := time.Now()
			if _, err := shared.pool.Exec(context.Background(), "CREATE DATABASE "+quoteIdent(name)+" TEMPLATE "+quoteIdent(shared.tpl)+strat); err != nil {
				t.Fatal(err)
			}
			create += time.Since(s)
			s = time.Now()
			if err := dropDatabase(context.Background(), shared.pool, name); err != nil {
				t.Fatal(err)
			}
			drop += time.Since(s)
		}
		t.Logf("strategy %q: create %s drop %s (avg of 10)", strat, create/10, drop/10)
	}
}
