package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

func TestErrorHelpers(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pg := pgtest.Open(t)
	db := pg.Bun
	insert := `INSERT INTO users (id, email, name, role, status, locale, created_at, updated_at)
		VALUES (gen_random_uuid(), 'dup@example.com', 'Dup', 'user', 'active', 'en', now(), now())`
	if _, err := db.ExecContext(ctx, insert); err != nil {
		t.Fatal(err)
	}
	_, dup := db.ExecContext(ctx, insert)
	_, check := db.ExecContext(ctx, `UPDATE users SET role = 'root'`)
	var id string
	noRows := db.NewRaw("SELECT id FROM users WHERE false").Scan(ctx, &id)
	poolNoRows := pg.Pool.QueryRow(ctx, "SELECT id FROM users WHERE false").Scan(&id)

	tests := []struct {
		name     string
		err      error
		emailKey bool // a unique violation of users_email_key
		noRows   bool
	}{
		{"unique violation", dup, true, false},
		{"wrapped unique violation", fmt.Errorf("create: %w", dup), true, false},
		{"check violation", check, false, false},
		{"no rows", noRows, false, true},
		{"wrapped no rows", fmt.Errorf("get: %w", sql.ErrNoRows), false, true},
		{"no rows from the pool", poolNoRows, false, true},
		{"other", errors.New("users_email_key"), false, false},
		{"nil", nil, false, false},
	}
	for _, tt := range tests {
		if got := postgres.IsUniqueViolation(tt.err, "users_email_key"); got != tt.emailKey {
			t.Errorf("%s: IsUniqueViolation(users_email_key) = %v", tt.name, got)
		}
		if got := postgres.IsUniqueViolation(tt.err, "users_pkey"); got {
			t.Errorf("%s: IsUniqueViolation(users_pkey) = %v", tt.name, got)
		}
		if got := postgres.NoRows(tt.err); got != tt.noRows {
			t.Errorf("%s: NoRows = %v", tt.name, got)
		}
	}
}
