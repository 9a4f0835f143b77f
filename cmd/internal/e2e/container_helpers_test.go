package e2e_test

// Helpers of the container test (Dockerfile, .dockerignore, docker-compose.yml). Every name
// here starts with "ct" so that it cannot collide with the helpers of other files in this
// package.

import (
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/testkit/proctest"
	"github.com/keelhq/keel/platform/tracing"
)

// ctProcesses maps each process binary to its configuration process name.
var ctProcesses = map[string]string{
	"api": config.ProcessAPI, "worker": config.ProcessWorker, "cron": config.ProcessCron,
	"migrate": config.ProcessMigrate, "admin": config.ProcessAdmin,
}

// ctRoot returns the module root (where the container files live).
func ctRoot(t *testing.T) string {
	t.Helper()
	root, err := proctest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// ctRead reads a file of the module root.
func ctRead(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(ctRoot(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// ctGoList runs `go list` with args in the module root and returns its output lines.
func ctGoList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = ctRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.Fields(strings.ReplaceAll(string(out), "\n", " "))
}

// ctDockerfile is what the test reads from the Dockerfile: its instructions with
// continuation lines joined, comments dropped.
type ctDockerfile []string

// ctParseDockerfile splits the Dockerfile into instructions.
func ctParseDockerfile(src string) ctDockerfile {
	var out ctDockerfile
	var cur strings.Builder
	for line := range strings.SplitSeq(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if more, ok := strings.CutSuffix(trimmed, "\\"); ok {
			cur.WriteString(more + " ")
			continue
		}
		cur.WriteString(trimmed)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

// instructions returns the arguments of every instruction named op (FROM, RUN, ...), from
// the last FROM on when lastStage is set.
func (d ctDockerfile) instructions(op string, lastStage bool) []string {
	start := 0
	if lastStage {
		for i, ins := range d {
			if strings.HasPrefix(ins, "FROM ") {
				start = i
			}
		}
	}
	var out []string
	for _, ins := range d[start:] {
		if rest, ok := strings.CutPrefix(ins, op+" "); ok {
			out = append(out, strings.TrimSpace(rest))
		}
	}
	return out
}

// ctCompose is the part of docker-compose.yml the test reads (YAML anchors and merge keys
// resolved by the parser, as Compose resolves them).
type ctCompose struct {
	Services map[string]ctService `yaml:"services"`
	Configs  map[string]struct {
		Content string `yaml:"content"`
	} `yaml:"configs"`
}

// ctService is one compose service.
type ctService struct {
	Image           string            `yaml:"image"`
	Build           map[string]any    `yaml:"build"`
	Command         []string          `yaml:"command"`
	Environment     map[string]string `yaml:"environment"`
	Ports           []string          `yaml:"ports"`
	Profiles        []string          `yaml:"profiles"`
	Restart         string            `yaml:"restart"`
	StopGracePeriod string            `yaml:"stop_grace_period"`
	Deploy          struct {
		Replicas int `yaml:"replicas"`
	} `yaml:"deploy"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Configs []struct {
		Source string `yaml:"source"`
		Target string `yaml:"target"`
	} `yaml:"configs"`
}

// ctParseCompose reads docker-compose.yml.
func ctParseCompose(t *testing.T) ctCompose {
	t.Helper()
	var c ctCompose
	if err := yaml.Unmarshal([]byte(ctRead(t, "docker-compose.yml")), &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

// ctInterpolation is what Compose substitutes in a value: $$, ${NAME}, ${NAME:-default},
// ${NAME-default} and $NAME.
var ctInterpolation = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// ctInterpolate substitutes a compose value as `docker compose` does with the given host
// environment; a lone $ that Compose would reject fails the test.
func ctInterpolate(t *testing.T, where, value string, host map[string]string) string {
	t.Helper()
	out := ctInterpolation.ReplaceAllStringFunc(value, func(m string) string {
		if m == "$$" {
			return "\x00" // a literal $, restored below
		}
		sub := ctInterpolation.FindStringSubmatch(m)
		name, def := sub[1]+sub[3], sub[2]
		if v, ok := host[name]; ok && (v != "" || !strings.Contains(m, ":-")) {
			return v
		}
		if !strings.Contains(m, "-") {
			t.Errorf("%s: %s is not set, so Compose would write an empty string (write $$ for a literal $)", where, m)
		}
		return def
	})
	if strings.Contains(out, "$") {
		t.Errorf("%s: %q has a $ that Compose would not read as intended (write $$ for a literal $)", where, value)
	}
	return strings.ReplaceAll(out, "\x00", "$")
}

// ctPort returns the port of a listen address such as ":8080" or "0.0.0.0:8081".
func ctPort(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("listen address %q: %v", addr, err)
	}
	return port
}

// ctContainerPort returns the container side of a compose port mapping
// ("127.0.0.1:8081:8081", "8081:8081", "8081").
func ctContainerPort(mapping string) string {
	parts := strings.Split(mapping, ":")
	return strings.TrimSuffix(parts[len(parts)-1], "/tcp")
}

// ctIgnored reports whether a .dockerignore pattern list excludes the file rel (slash
// separated, relative to the build context): a pattern excludes what it matches and all
// beneath it; "**/" matches any number of leading directories. Exceptions ("!") are not
// used in this repository and fail the test, so the check never silently misreads one.
func ctIgnored(t *testing.T, patterns []string, rel string) bool {
	t.Helper()
	parts := strings.Split(rel, "/")
	for _, p := range patterns {
		if strings.HasPrefix(p, "!") {
			t.Fatalf(".dockerignore: exception %q is not understood by this test; extend ctIgnored", p)
		}
		p = strings.TrimPrefix(path.Clean("/"+p), "/")
		anyDepth := strings.HasPrefix(p, "**/")
		p = strings.TrimPrefix(p, "**/")
		for start := range parts {
			if start > 0 && !anyDepth {
				break
			}
			for end := start + 1; end <= len(parts); end++ {
				if ok, _ := path.Match(p, strings.Join(parts[start:end], "/")); ok {
					return true
				}
			}
		}
	}
	return false
}

// ctPatterns reads .dockerignore's patterns.
func ctPatterns(t *testing.T) []string {
	t.Helper()
	var out []string
	for line := range strings.SplitSeq(ctRead(t, ".dockerignore"), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// ctKnownVariable reports whether name is a configuration variable of Keel or one of the
// tracing variables.
func ctKnownVariable(name string, cfgVars map[string]string) bool {
	_, ok := cfgVars[name]
	return ok || slices.Contains(tracing.Variables, name)
}
