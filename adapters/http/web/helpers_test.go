package web_test

import (
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/invopop/validation"
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

// fieldCodes returns the field -> code map of a validation.Errors, or fails.
func fieldCodes(t *testing.T, err error) map[string]string {
	t.Helper()
	var verrs validation.Errors
	if !errors.As(err, &verrs) {
		t.Fatalf("error %T %v is not validation.Errors", err, err)
	}
	out := map[string]string{}
	for field, e := range verrs {
		var ve validation.Error
		if errors.As(e, &ve) {
			out[field] = ve.Code()
		} else {
			out[field] = e.Error()
		}
	}
	return out
}
