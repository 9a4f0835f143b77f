package authtest_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/auth/authtest"
	"github.com/keelhq/keel/domain/kernel"
)

func TestSignInsContract(t *testing.T) {
	authtest.SignInsContract(t, func(*testing.T) (auth.SignIns, func(*testing.T) uuid.UUID) {
		return authtest.NewSignIns(), func(*testing.T) uuid.UUID { return kernel.NewID() }
	})
}
