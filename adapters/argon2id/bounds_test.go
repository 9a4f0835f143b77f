package argon2id

import (
	"strconv"
	"testing"

	"github.com/keelhq/keel/platform/config"
)

// TestConfigBoundsAgreeWithHasher: every AUTH_ARGON2_* value the configuration accepts is
// one the hasher accepts too, and the configuration refuses the first value beyond, so a
// valid configuration never fails only at start-up.
func TestConfigBoundsAgreeWithHasher(t *testing.T) {
	load := func(mem, iter, par int) (*config.Config, error) {
		return config.LoadFrom(config.ProcessAPI, map[string]string{
			"APP_ENV":                 "test",
			"AUTH_ARGON2_MEMORY":      strconv.Itoa(mem),
			"AUTH_ARGON2_ITERATIONS":  strconv.Itoa(iter),
			"AUTH_ARGON2_PARALLELISM": strconv.Itoa(par),
		})
	}
	for _, tc := range []struct{ mem, iter, par int }{
		{config.Argon2MaxMemory, config.Argon2MaxIterations, config.Argon2MaxParallelism},
		{8 * config.Argon2MaxParallelism, 1, config.Argon2MaxParallelism},
		{8, 1, 1},
	} {
		cfg, err := load(tc.mem, tc.iter, tc.par)
		if err != nil {
			t.Fatalf("config refuses %+v: %v", tc, err)
		}
		p := Params{Memory: cfg.Auth.Argon2Memory, Iterations: cfg.Auth.Argon2Time,
			Parallelism: cfg.Auth.Argon2Threads, SaltLength: 16, KeyLength: 32}
		if err := p.Validate(); err != nil {
			t.Errorf("config accepts %+v but the hasher refuses it: %v", tc, err)
		}
	}
	for _, tc := range []struct{ mem, iter, par int }{
		{config.Argon2MaxMemory + 1, 1, 1},
		{64, config.Argon2MaxIterations + 1, 1},
		{1024, 1, config.Argon2MaxParallelism + 1},
		{8, 1, 2}, // less than 8 KiB per lane
	} {
		if _, err := load(tc.mem, tc.iter, tc.par); err == nil {
			t.Errorf("config accepts %+v, beyond what the hasher takes", tc)
		}
	}
}
