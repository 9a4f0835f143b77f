// Command reference is the bare server Keel's load suite measures Keel against: Fiber and
// pgx with no layers (no authentication, no cache, no middleware), answering
// GET /v1/users/{id} with the same JSON as Keel by reading PostgreSQL every time, and
// GET /v1/users?offset=N&limit=M with an offset page and its total count.
//
//	DATABASE_URL=postgres://... HTTP_ADDR=127.0.0.1:8090 reference
package main

import (
	"context"
	"errors"
	"log"
	"os"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// user is Keel's `User` resource.
type user struct {
	ID            uuid.UUID `json:"id"`
	Email         string    `json:"email"`
	Name          string    `json:"name"`
	Role          string    `json:"role"`
	Status        string    `json:"status"`
	Locale        string    `json:"locale"`
	EmailVerified bool      `json:"emailVerified"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

const columns = `id, email, name, role, status, locale, email_verified_at IS NOT NULL, created_at, updated_at`

func main() {
	cfg, err := pgxpool.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal("DATABASE_URL: ", err)
	}
	cfg.MaxConns = 10
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/livez", func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusOK) })
	app.Get("/v1/users/:id", func(c *fiber.Ctx) error {
		id, err := uuid.Parse(c.Params("id"))
		if err != nil {
			return c.SendStatus(fiber.StatusBadRequest)
		}
		var u user
		err = pool.QueryRow(c.Context(), `SELECT `+columns+` FROM users WHERE id = $1`, id).
			Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Status, &u.Locale, &u.EmailVerified, &u.CreatedAt, &u.UpdatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return c.SendStatus(fiber.StatusNotFound)
		}
		if err != nil {
			return err
		}
		return c.JSON(u)
	})
	app.Get("/v1/users", func(c *fiber.Ctx) error {
		offset, _ := strconv.Atoi(c.Query("offset"))
		limit, _ := strconv.Atoi(c.Query("limit", "20"))
		rows, err := pool.Query(c.Context(),
			`SELECT `+columns+`, count(*) OVER () FROM users ORDER BY id DESC LIMIT $1 OFFSET $2`, limit, offset)
		if err != nil {
			return err
		}
		page := struct {
			Data  []user `json:"data"`
			Total int64  `json:"total"`
		}{Data: make([]user, 0, limit)}
		for rows.Next() {
			var u user
			if err := rows.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Status, &u.Locale, &u.EmailVerified,
				&u.CreatedAt, &u.UpdatedAt, &page.Total); err != nil {
				return err
			}
			page.Data = append(page.Data, u)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return c.JSON(page)
	})
	log.Fatal(app.Listen(os.Getenv("HTTP_ADDR")))
}
