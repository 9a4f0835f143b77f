package boot

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/gofiber/fiber/v2"
	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/http/docs"
	"github.com/keelhq/keel/platform/logging"
	"github.com/keelhq/keel/platform/tracing"
)

// OpenAPI writes to w the OpenAPI document the process would serve at GET /openapi.json:
// it assembles the process from modules as Run does and asks its own Fiber application
// for the document, but starts nothing (no listener is bound, neither PostgreSQL nor Redis
// is dialled). Client generators use it without a running api (`api openapi`). It returns
// the exit status: 0, 1 when the document cannot be produced, 2 for bad configuration.
func OpenAPI(process string, w io.Writer, modules ...fx.Option) int {
	cfg, level, ok := commandConfig(process)
	if !ok {
		return 2
	}
	log := logging.New(os.Stderr, level, process)
	var app *fiber.App
	// Tracing stays off: the document does not depend on it, and nothing is exported.
	fxApp := fx.New(fx.Supply(cfg, log, tracing.Settings{}), fx.NopLogger, fx.Options(modules...), fx.Populate(&app))
	if err := fxApp.Err(); err != nil {
		if code, ok := settingFailure(process, err); ok {
			return code
		}
		log.Error("cannot assemble the process", slog.String("error", err.Error()))
		return 1
	}
	res, err := app.Test(httptest.NewRequest(http.MethodGet, docs.SpecPath, nil), -1)
	if err != nil {
		log.Error("cannot ask for the document", slog.String("error", err.Error()))
		return 1
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		log.Error("the document was refused", slog.Int("status", res.StatusCode))
		return 1
	}
	if _, err := io.Copy(w, res.Body); err != nil {
		fmt.Fprintf(os.Stderr, "keel %s: writing the document: %v\n", process, err)
		return 1
	}
	return 0
}
