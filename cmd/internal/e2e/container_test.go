package e2e_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/testkit/proctest"
	"github.com/keelhq/keel/platform/tracing"
)

// The Dockerfile and docker-compose.yml cannot be built or run here (no container engine),
// so this test holds them to the code: every binary they build or run is a process under
// cmd/, every variable they set is one Keel reads, ports and commands match the processes,
// and the real binaries start and answer their probes with compose's commands and
// environment.
func TestContainerFiles(t *testing.T) {
	t.Parallel()
	built := ctDockerfileBinaries(t)
	compose := ctParseCompose(t)
	keel := ctKeelServices(t, compose, built)
	t.Run("dockerignore keeps what the build needs", ctCheckDockerignore)
	t.Run("compose services", func(t *testing.T) { ctCheckServices(t, compose, keel) })
	t.Run("compose environment", func(t *testing.T) { ctCheckEnvironment(t, compose, keel) })
	t.Run("load balancer", func(t *testing.T) { ctCheckBalancer(t, compose) })
	t.Run("tracing profile", func(t *testing.T) { ctCheckTracing(t, compose, keel) })
	t.Run("README deploying table", func(t *testing.T) { ctCheckREADME(t, built) })
	t.Run("the binaries run compose's commands", func(t *testing.T) { ctRunCommands(t, compose, keel) })
}

// ctDeployRow is a row of the README's "Deploying" table: process, command, listen address.
var ctDeployRow = regexp.MustCompile("(?m)^\\| `([a-z]+)` \\| `([^`]+)` \\| (`[^`]*`|—) \\| ([^|]*) \\|")

// ctCheckREADME checks the README's "Deploying" table against the image and the code: each
// process is shipped, its command starts it, and it listens where its HTTP_ADDR default says,
// with the probes the server serves.
func ctCheckREADME(t *testing.T, built map[string]bool) {
	readme := ctRead(t, "README.md")
	start := strings.Index(readme, "\n## Deploying\n")
	if start < 0 {
		t.Fatal("README.md has no Deploying section")
	}
	section := readme[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	rows := ctDeployRow.FindAllStringSubmatch(section, -1)
	seen := map[string]bool{}
	for _, r := range rows {
		process, command, addr, probes := r[1], strings.Fields(r[2]), strings.Trim(r[3], "`"), r[4]
		seen[process] = true
		if !built[process] || command[0] != process {
			t.Errorf("README Deploying: %s runs %v, which is not that shipped process", process, command)
		}
		if process == "migrate" {
			continue
		}
		if want := ctDefaults(t, ctProcesses[process]).HTTPAddr; addr != want {
			t.Errorf("README Deploying: %s listens on %q, the code on %q", process, addr, want)
		}
		if !strings.Contains(probes, "`/livez`") || !strings.Contains(probes, "`/readyz`") {
			t.Errorf("README Deploying: %s probes %q, want /livez and /readyz", process, probes)
		}
	}
	for _, p := range []string{"migrate", "api", "worker", "cron"} {
		if !seen[p] {
			t.Errorf("README Deploying: no row for %s", p)
		}
	}
}

// ctDockerfileBinaries checks the Dockerfile's build and image, and returns the binaries
// it builds: exactly the main packages under cmd/ that are processes (dev, the development
// runner, is not shipped).
func ctDockerfileBinaries(t *testing.T) map[string]bool {
	t.Helper()
	df := ctParseDockerfile(ctRead(t, "Dockerfile"))
	mains := map[string]bool{}
	for _, pkg := range ctGoList(t, "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`, "./cmd/...") {
		mains[path.Base(pkg)] = strings.HasPrefix(pkg, "github.com/keelhq/keel/cmd/")
	}
	built, outDir := map[string]bool{}, ""
	for _, run := range df.instructions("RUN", false) {
		if !strings.Contains(run, "go build") {
			continue
		}
		if !strings.Contains(run, "CGO_ENABLED=0") {
			t.Errorf("Dockerfile: the go build does not set CGO_ENABLED=0: %s", run)
		}
		fields := strings.Fields(run)
		for i, f := range fields {
			if f == "-o" && i+1 < len(fields) {
				outDir = fields[i+1]
			}
			if name, ok := strings.CutPrefix(f, "./cmd/"); ok {
				if !mains[name] {
					t.Errorf("Dockerfile builds %s, which is not a main package under cmd/", f)
				}
				built[name] = true
			}
		}
	}
	for name := range mains {
		if _, isProcess := ctProcesses[name]; isProcess != built[name] {
			t.Errorf("cmd/%s: process %v, built by the Dockerfile %v (every process, and only processes, go in the image)", name, isProcess, built[name])
		}
	}
	if outDir == "" || !slices.ContainsFunc(df.instructions("COPY", true), func(c string) bool {
		return strings.HasPrefix(c, "--from=") && strings.Contains(c, " "+outDir+" ")
	}) {
		t.Errorf("Dockerfile: the final stage does not copy the binaries built into %q", outDir)
	}
	ctCheckImage(t, df, built)
	return built
}

// ctCheckImage checks the final stage: a non-root user, a default command that is a
// shipped process, the processes' ports exposed, and only known variables set.
func ctCheckImage(t *testing.T, df ctDockerfile, built map[string]bool) {
	t.Helper()
	users := df.instructions("USER", true)
	if len(users) == 0 || slices.ContainsFunc(users, func(u string) bool {
		name, _, _ := strings.Cut(u, ":")
		return name == "root" || name == "0"
	}) {
		t.Errorf("Dockerfile: the image must run as a non-root user, has USER %v", users)
	}
	for _, c := range df.instructions("CMD", true) {
		var argv []string
		if err := json.Unmarshal([]byte(c), &argv); err != nil || len(argv) == 0 || !built[argv[0]] {
			t.Errorf("Dockerfile: CMD %s is not the exec form of a shipped process", c)
		}
	}
	var exposed []string
	for _, e := range df.instructions("EXPOSE", true) {
		exposed = append(exposed, strings.Fields(e)...)
	}
	var want []string
	for _, p := range []string{config.ProcessAPI, config.ProcessWorker, config.ProcessCron} {
		want = append(want, ctPort(t, ctDefaults(t, p).HTTPAddr))
	}
	slices.Sort(exposed)
	if !slices.Equal(exposed, want) {
		t.Errorf("Dockerfile: EXPOSE %v, want the default HTTP_ADDR ports %v", exposed, want)
	}
	vars := ctDefaults(t, config.ProcessAPI).Redacted()
	for _, e := range df.instructions("ENV", true) {
		name, _, _ := strings.Cut(strings.Fields(e)[0], "=")
		if !ctKnownVariable(name, vars) {
			t.Errorf("Dockerfile: ENV %s is not a variable Keel reads", name)
		}
	}
}

// ctDefaults is a process's configuration with nothing set.
func ctDefaults(t *testing.T, process string) *config.Config {
	t.Helper()
	cfg, err := config.LoadFrom(process, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// ctCheckDockerignore checks that no Go file or embedded file of the shipped binaries (nor
// go.mod, go.sum) is left out of the build context, and that what must stay out does.
func ctCheckDockerignore(t *testing.T) {
	patterns := ctPatterns(t)
	root := ctRoot(t)
	need := []string{"go.mod", "go.sum"}
	format := `{{if and .Module .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}} {{end}}{{range .EmbedFiles}}{{$d}}/{{.}} {{end}}{{end}}`
	pkgs := []string{"-deps", "-f", format}
	for name := range ctProcesses {
		pkgs = append(pkgs, "./cmd/"+name)
	}
	for _, f := range ctGoList(t, pkgs...) {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		need = append(need, filepath.ToSlash(rel))
	}
	if len(need) < 100 || !slices.Contains(need, "migrations/migrations.go") {
		t.Fatalf("go list found only %d files to build; the check would prove nothing", len(need))
	}
	for _, f := range need {
		if ctIgnored(t, patterns, f) {
			t.Errorf(".dockerignore leaves out %s, which the image's build needs", f)
		}
	}
	for _, f := range []string{".git/HEAD", "bin/api", "adapters/http/tsclient/node_modules/typescript/package.json", "tmp/mail/x.eml"} {
		if !ctIgnored(t, patterns, f) {
			t.Errorf(".dockerignore lets %s into the build context", f)
		}
	}
}

// ctKeelServices returns the compose services that run the Dockerfile's image, by name,
// after checking that each runs a shipped process.
func ctKeelServices(t *testing.T, c ctCompose, built map[string]bool) map[string]ctService {
	t.Helper()
	out := map[string]ctService{}
	for name, s := range c.Services {
		if s.Build == nil {
			continue
		}
		if s.Build["context"] != "." || s.Build["dockerfile_inline"] != nil || (s.Build["dockerfile"] != nil && s.Build["dockerfile"] != "Dockerfile") {
			t.Errorf("compose %s: builds %v, want the top-level Dockerfile (context .)", name, s.Build)
		}
		if len(s.Command) == 0 || !built[s.Command[0]] {
			t.Errorf("compose %s: command %v does not start a binary of the image %v", name, s.Command, slices.Sorted(maps.Keys(built)))
			continue
		}
		out[name] = s
	}
	return out
}

// ctCheckServices checks the shape of the stack: postgres, redis, migrate once before the
// processes, api replicated behind lb, worker and cron, each stopping within its grace.
func ctCheckServices(t *testing.T, c ctCompose, keel map[string]ctService) {
	for _, name := range []string{"postgres", "redis", "migrate", "api", "lb", "worker", "cron", "otel-collector"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("compose has no %s service", name)
		}
	}
	runs := map[string]string{}
	for name, s := range keel {
		runs[s.Command[0]] = name
		if s.Command[0] == "migrate" {
			if !slices.Equal(s.Command, []string{"migrate", "up"}) || s.Restart != "no" {
				t.Errorf("compose %s: %v restart %q, want the one-shot `migrate up`, restart \"no\"", name, s.Command, s.Restart)
			}
			continue
		}
		if dep := s.DependsOn["migrate"]; dep.Condition != "service_completed_successfully" {
			t.Errorf("compose %s: must wait for migrate to complete successfully, has %+v", name, s.DependsOn)
		}
		grace, err := time.ParseDuration(s.StopGracePeriod)
		shutdown, _ := time.ParseDuration(s.Environment["SHUTDOWN_TIMEOUT"])
		if err != nil || grace <= shutdown || shutdown == 0 {
			t.Errorf("compose %s: stop_grace_period %q must exceed SHUTDOWN_TIMEOUT %q", name, s.StopGracePeriod, s.Environment["SHUTDOWN_TIMEOUT"])
		}
	}
	for _, p := range []string{"migrate", "api", "worker", "cron"} {
		if runs[p] == "" {
			t.Errorf("no compose service runs %s", p)
		}
	}
	if api := c.Services["api"]; api.Deploy.Replicas < 2 || len(api.Ports) > 0 {
		t.Errorf("compose api: replicas %d, ports %v; want 2 or more replicas publishing no port (lb does)", api.Deploy.Replicas, api.Ports)
	}
	for name, s := range c.Services {
		for _, cf := range s.Configs {
			if _, ok := c.Configs[cf.Source]; !ok {
				t.Errorf("compose %s: config %q is not defined", name, cf.Source)
			}
		}
	}
}

// ctCheckEnvironment checks every variable the Keel services set: a variable Keel reads
// (or a tracing one), values the process's own configuration accepts, and published ports
// that are the ports the processes listen on.
func ctCheckEnvironment(t *testing.T, c ctCompose, keel map[string]ctService) {
	vars := ctDefaults(t, config.ProcessAPI).Redacted()
	for name, s := range keel {
		env := map[string]string{}
		for k, v := range s.Environment {
			if !ctKnownVariable(k, vars) {
				t.Errorf("compose %s: %s is not a variable Keel reads", name, k)
			}
			env[k] = ctInterpolate(t, "compose "+name+" "+k, v, nil)
		}
		cfg, err := config.LoadFrom(ctProcesses[s.Command[0]], env)
		if err != nil {
			t.Errorf("compose %s: its environment is refused: %v", name, err)
			continue
		}
		for _, p := range s.Ports {
			if got, want := ctContainerPort(p), ctPort(t, cfg.HTTPAddr); got != want {
				t.Errorf("compose %s: publishes container port %s, but %s listens on %s", name, got, s.Command[0], cfg.HTTPAddr)
			}
		}
	}
}

// ctUpstream finds the api replicas' address in the load balancer's configuration.
var ctUpstream = regexp.MustCompile(`(?m)^\s*server\s+api:(\d+)\b`)

// ctCheckBalancer checks lb: it proxies to the api's port with WebSocket upgrades passed
// on, and its configuration reaches nginx intact through Compose's interpolation.
func ctCheckBalancer(t *testing.T, c ctCompose) {
	lb := c.Services["lb"]
	if len(lb.Configs) != 1 || len(lb.Ports) == 0 {
		t.Fatalf("compose lb: want one config and a published port, has %+v", lb)
	}
	conf := ctInterpolate(t, "compose config "+lb.Configs[0].Source, c.Configs[lb.Configs[0].Source].Content, nil)
	m := ctUpstream.FindStringSubmatch(conf)
	if want := ctPort(t, ctDefaults(t, config.ProcessAPI).HTTPAddr); m == nil || m[1] != want {
		t.Errorf("lb: upstream %v, want `server api:%s` (the api's HTTP_ADDR port)", m, want)
	}
	for _, want := range []string{
		"proxy_http_version 1.1;", "proxy_set_header Host $host;", "proxy_set_header Upgrade $http_upgrade;",
		"proxy_set_header Connection $connection_upgrade;", "map $http_upgrade $connection_upgrade",
		"proxy_set_header X-Forwarded-For $remote_addr;",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("lb: the configuration lacks %q (WebSockets and client addresses need it)", want)
		}
	}
	if strings.Contains(conf, "$proxy_add_x_forwarded_for") {
		t.Error("lb appends to the client's X-Forwarded-For: a made-up address would pass for the client's (the api trusts the whole compose network)")
	}
	if api := c.Services["api"]; api.Environment["HTTP_TRUSTED_PROXIES"] == "" {
		t.Error("compose api: HTTP_TRUSTED_PROXIES is unset, so every client would share lb's address (rate limits, connection cap)")
	}
}

// ctCheckTracing checks the tracing profile: the collector only runs with it, tracing is
// off unless OTEL_TRACES_EXPORTER=otlp is given, and the processes point at the collector's
// OTLP/HTTP receiver.
func ctCheckTracing(t *testing.T, c ctCompose, keel map[string]ctService) {
	col := c.Services["otel-collector"]
	if !slices.Equal(col.Profiles, []string{"tracing"}) {
		t.Errorf("compose otel-collector: profiles %v, want [tracing]", col.Profiles)
	}
	if len(col.Configs) != 1 {
		t.Fatalf("compose otel-collector: want one config, has %+v", col.Configs)
	}
	receiver := regexp.MustCompile(`(?s)http:\s*\n\s*endpoint:\s*\S+:(\d+)`).FindStringSubmatch(c.Configs[col.Configs[0].Source].Content)
	for _, name := range []string{"api", "worker", "cron"} {
		env := keel[name].Environment
		off := ctInterpolate(t, name, env["OTEL_TRACES_EXPORTER"], nil)
		on := ctInterpolate(t, name, env["OTEL_TRACES_EXPORTER"], map[string]string{"OTEL_TRACES_EXPORTER": "otlp"})
		if off != "none" || on != "otlp" {
			t.Errorf("compose %s: OTEL_TRACES_EXPORTER is %q by default and %q when given otlp; want none and otlp", name, off, on)
		}
		// The processes' own reading of those variables: off by default, on with otlp.
		for exporter, want := range map[string]bool{off: false, on: true} {
			lookup := func(k string) (string, bool) {
				if k == "OTEL_TRACES_EXPORTER" {
					return exporter, true
				}
				v, ok := env[k]
				return v, ok
			}
			if s, err := tracing.FromEnv(name, lookup); err != nil || s.Enabled != want {
				t.Errorf("compose %s with OTEL_TRACES_EXPORTER=%s: tracing enabled %v (%v), want %v", name, exporter, s.Enabled, err, want)
			}
		}
		u, err := url.Parse(env["OTEL_EXPORTER_OTLP_ENDPOINT"])
		if err != nil || u.Hostname() != "otel-collector" || receiver == nil || u.Port() != receiver[1] {
			t.Errorf("compose %s: OTEL_EXPORTER_OTLP_ENDPOINT %q is not the collector's OTLP/HTTP receiver (port %v)", name, env["OTEL_EXPORTER_OTLP_ENDPOINT"], receiver)
		}
	}
}

// ctRunCommands runs each Keel service's command with the real binary and the service's
// environment (its stores replaced by the test's, tracing left off): migrate's exits 0,
// and api, worker and cron answer GET /livez and GET /readyz, the probes the README tells
// orchestrators to use.
func ctRunCommands(t *testing.T, c ctCompose, keel map[string]ctService) {
	s := newStack(t)
	for _, name := range slices.Sorted(maps.Keys(keel)) {
		svc := keel[name]
		// The stack's cheap Argon2 settings are for APP_ENV=test; compose runs development.
		env := slices.DeleteFunc(slices.Clone(s.env), func(kv string) bool { return strings.HasPrefix(kv, "AUTH_ARGON2_") })
		for k, v := range svc.Environment {
			if k != "DATABASE_URL" && k != "REDIS_URL" && !strings.HasPrefix(k, "OTEL_") {
				env = append(env, k+"="+ctInterpolate(t, name, v, nil))
			}
		}
		bin, args := s.bins[svc.Command[0]], svc.Command[1:]
		if svc.Command[0] == "migrate" {
			p := proctest.Start(t, bin, proctest.Options{Args: args, Env: env})
			if code, err := p.Wait(startTimeout); err != nil || code != 0 {
				t.Errorf("compose %s: %v exit %d %v\n%s", name, svc.Command, code, err, p.Output())
			}
			continue
		}
		addr := proctest.FreeAddr(t)
		p := proctest.Start(t, bin, proctest.Options{Args: args, Env: append(env, "HTTP_ADDR="+addr)})
		proctest.WaitHTTP(t, "http://"+addr+"/livez", http.StatusOK, startTimeout)
		proctest.WaitHTTP(t, "http://"+addr+"/readyz", http.StatusOK, startTimeout)
		if p.Signal(syscall.SIGTERM) == nil {
			if code, err := p.Wait(15 * time.Second); err != nil || code != 0 {
				t.Errorf("compose %s: stopping with SIGTERM: exit %d %v", name, code, err)
			}
		}
	}
}
