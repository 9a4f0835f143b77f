package web_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// inCtx runs fn inside a Fiber handler for one request and waits for it.
func inCtx(t *testing.T, req *http.Request, fn func(c *fiber.Ctx)) {
	t.Helper()
	app := fiber.New()
	ran := false
	app.All("/*", func(c *fiber.Ctx) error {
		fn(c)
		ran = true
		return c.SendStatus(http.StatusNoContent)
	})
	res, err := app.Test(req, 5000)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if !ran {
		t.Fatalf("handler did not run: %d", res.StatusCode)
	}
}
