// Package user stores the user context's accounts in PostgreSQL: the users table behind
// domain/user.Repository.
package user

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
)

// emailKey is the unique index on users.email.
const emailKey = "users_email_key"

// row is one users row.
type row struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID              uuid.UUID `bun:"id,pk,type:uuid"`
	Email           string    `bun:"email,notnull"`
	Name            string    `bun:"name,notnull"`
	Role            string    `bun:"role,notnull"`
	Status          string    `bun:"status,notnull"`
	Locale          string    `bun:"locale,notnull"`
	EmailVerifiedAt time.Time `bun:"email_verified_at,nullzero"`
	CreatedAt       time.Time `bun:"created_at,notnull"`
	UpdatedAt       time.Time `bun:"updated_at,notnull"`
}

// toRow converts a user for storage.
func toRow(u *user.User) *row {
	r := u.Record()
	return &row{
		ID: r.ID, Email: r.Email, Name: r.Name, Role: r.Role, Status: r.Status, Locale: r.Locale,
		EmailVerifiedAt: r.EmailVerifiedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// toDomain rebuilds the user a row holds.
func toDomain(r *row) (*user.User, error) {
	return user.Restore(user.Record{
		ID: r.ID, Email: r.Email, Name: r.Name, Role: r.Role, Status: r.Status, Locale: r.Locale,
		EmailVerifiedAt: utc(r.EmailVerifiedAt), CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
	})
}

// utc returns t in UTC, keeping the zero time zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// Repository implements user.Repository over the users table. Every query joins the
// transaction carried by its context.
type Repository struct {
	db   *bun.DB
	pool *pgxpool.Pool
}

// NewRepository returns a Repository over db.
func NewRepository(db *bun.DB) *Repository { return &Repository{db: db} }

// WithPool returns r reading single accounts outside transactions straight from pool (the
// pool under db): one prepared statement and one round trip, without database/sql, which
// opens and closes a pooled connection wrapper around every query.
func (r *Repository) WithPool(pool *pgxpool.Pool) *Repository {
	return &Repository{db: r.db, pool: pool}
}

var _ user.Repository = (*Repository)(nil)

// Create implements user.Repository.
func (r *Repository) Create(ctx context.Context, u *user.User) error {
	_, err := postgres.Conn(ctx, r.db).NewInsert().Model(toRow(u)).Exec(ctx)
	if postgres.IsUniqueViolation(err, emailKey) {
		return user.ErrEmailTaken
	}
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.ID(), err)
	}
	return nil
}

// Hot reads: constant texts, prepared once per connection (see postgres.QueryOnePrepared).
const (
	selectUser    = `SELECT id, email, name, role, status, locale, email_verified_at, created_at, updated_at FROM users`
	selectByID    = selectUser + ` WHERE id = $1`
	selectByEmail = selectUser + ` WHERE email = $1`
)

// Get implements user.Repository.
func (r *Repository) Get(ctx context.Context, id uuid.UUID) (*user.User, error) {
	return r.prepared(ctx, "id", selectByID, id)
}

// prepared returns the one user a hot read selects.
func (r *Repository) prepared(ctx context.Context, column, query string, arg any) (*user.User, error) {
	var rw row
	var err error
	if r.pool != nil && !postgres.InTx(ctx) {
		var verified *time.Time
		err = r.pool.QueryRow(ctx, query, pgx.QueryExecModeCacheStatement, arg).Scan(&rw.ID, &rw.Email, &rw.Name,
			&rw.Role, &rw.Status, &rw.Locale, &verified, &rw.CreatedAt, &rw.UpdatedAt)
		if verified != nil {
			rw.EmailVerifiedAt = *verified
		}
	} else {
		err = postgres.QueryOnePrepared(ctx, r.db, &rw, query, arg)
	}
	if err != nil {
		if postgres.NoRows(err) {
			return nil, user.ErrNotFound
		}
		return nil, fmt.Errorf("find user by %s: %w", column, err)
	}
	return toDomain(&rw)
}

// GetForUpdate implements user.Repository.
func (r *Repository) GetForUpdate(ctx context.Context, id uuid.UUID) (*user.User, error) {
	return r.one(ctx, "id", id, true)
}

// ByEmail implements user.Repository.
func (r *Repository) ByEmail(ctx context.Context, email kernel.Email) (*user.User, error) {
	return r.prepared(ctx, "email", selectByEmail, string(email))
}

// one returns the user whose column equals value, optionally locking its row.
func (r *Repository) one(ctx context.Context, column string, value any, lock bool) (*user.User, error) {
	var rw row
	q := postgres.Conn(ctx, r.db).NewSelect().Model(&rw).Where("u.? = ?", bun.Ident(column), value)
	if lock {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		if postgres.NoRows(err) {
			return nil, user.ErrNotFound
		}
		return nil, fmt.Errorf("find user by %s: %w", column, err)
	}
	return toDomain(&rw)
}

// Update implements user.Repository; ErrNotFound when the user is gone.
func (r *Repository) Update(ctx context.Context, u *user.User) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Model(toRow(u)).
		ExcludeColumn("id", "created_at").WherePK().Exec(ctx)
	if postgres.IsUniqueViolation(err, emailKey) {
		return user.ErrEmailTaken
	}
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.ID(), err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return user.ErrNotFound
	}
	return nil
}

// List implements user.Repository.
func (r *Repository) List(ctx context.Context, f user.Filter, page kernel.Page) ([]*user.User, error) {
	var rows []row
	if err := listQuery(postgres.Conn(ctx, r.db), &rows, f, page).Scan(ctx); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	users := make([]*user.User, 0, len(rows))
	for i := range rows {
		u, err := toDomain(&rows[i])
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, nil
}

// listQuery selects into dest one keyset page of the users matching f, newest (highest
// UUIDv7) first. The q prefix is matched with LIKE 'prefix%' so that the planner can use
// users_email_prefix_idx and users_name_prefix_idx (both text_pattern_ops).
func listQuery(db bun.IDB, dest *[]row, f user.Filter, page kernel.Page) *bun.SelectQuery {
	q := db.NewSelect().Model(dest).OrderExpr("u.id DESC").Limit(int64(page.Limit) + 1)
	if page.After != uuid.Nil {
		q = q.Where("u.id < ?", page.After)
	}
	if f.Role != "" {
		q = q.Where("u.role = ?", string(f.Role))
	}
	if f.Status != "" {
		q = q.Where("u.status = ?", string(f.Status))
	}
	if f.Q != "" {
		// E-mail addresses are stored lower-case, so the prefix is lowered for both.
		pattern := escapeLike(strings.ToLower(f.Q)) + "%"
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("u.email LIKE ?", pattern).WhereOr("lower(u.name) LIKE lower(?)", pattern)
		})
	}
	return q
}

// likeEscaper escapes LIKE's metacharacters with its default escape character, the backslash.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// escapeLike returns s matched literally inside a LIKE pattern.
func escapeLike(s string) string { return likeEscaper.Replace(s) }

// LockActiveAdmins implements user.Repository.
func (r *Repository) LockActiveAdmins(ctx context.Context) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := postgres.Conn(ctx, r.db).NewSelect().TableExpr("users").Column("id").
		Where("role = ?", string(kernel.RoleAdmin)).Where("status = ?", string(user.StatusActive)).
		OrderExpr("id").For("UPDATE").Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("lock active admins: %w", err)
	}
	return ids, nil
}
