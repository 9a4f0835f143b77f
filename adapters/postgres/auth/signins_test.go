package auth

import (
	"testing"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/auth/authtest"
	"github.com/keelhq/keel/domain/kernel"
)

// TestSignInsContract runs the suite the in-memory history passes against
// sign_in_history.
func TestSignInsContract(t *testing.T) {
	t.Parallel()
	authtest.SignInsContract(t, func(t *testing.T) (auth.SignIns, func(t *testing.T) uuid.UUID) {
		f := newFixture(t)
		return NewSignIns(f.db), func(t *testing.T) uuid.UUID { return f.user(t, kernel.RoleUser, "active") }
	})
}
