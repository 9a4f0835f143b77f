package e2e_test

import (
	"net/http"
	"testing"
)

func TestStackStartsAndServes(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	if code, out := s.run("migrate", "", "status"); code != 0 {
		t.Fatalf("migrate status exit %d\n%s", code, out)
	}
	api := s.start("api")
	r := do(t, http.MethodGet, api.URL+"/readyz", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("readyz = %d %s", r.Status, r.Body)
	}
	wantProblem(t, do(t, http.MethodGet, api.URL+"/nope", nil, "Accept-Language", "de"), http.StatusNotFound, "not_found")
}
