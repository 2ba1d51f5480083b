package deploy

import (
	"bufio"
	"encoding/json"
	"go/version"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/stretchr/testify/require"
)

// instruction is one Dockerfile line as BuildKit's parser reads it.
type instruction struct {
	cmd   string   // lower case: from, copy, run, user...
	args  []string // the words after the command (JSON form: the array's elements)
	flags []string // --from=build, --mount=...
	json  bool     // exec (JSON array) form
}

// stage is the instructions from one FROM to the next.
type stage struct {
	image, name  string
	instructions []instruction
}

// find returns the stage's instructions of one kind.
func (s stage) find(cmd string) []instruction {
	var out []instruction
	for _, in := range s.instructions {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// parseDockerfile parses the repository's Dockerfile with BuildKit's own parser and splits it into stages.
func parseDockerfile(t *testing.T) []stage {
	t.Helper()
	res, err := parser.Parse(strings.NewReader(readRepoFile(t, "Dockerfile")))
	require.NoError(t, err, "BuildKit's parser should accept the Dockerfile")
	require.Empty(t, res.Warnings, "the parser should have nothing to warn about")
	var stages []stage
	for _, n := range res.AST.Children {
		in := instruction{cmd: strings.ToLower(n.Value), flags: n.Flags, json: n.Attributes["json"]}
		for a := n.Next; a != nil; a = a.Next {
			in.args = append(in.args, a.Value)
		}
		if in.cmd == "from" {
			st := stage{image: in.args[0]}
			if len(in.args) == 3 && strings.EqualFold(in.args[1], "as") {
				st.name = in.args[2]
			}
			stages = append(stages, st)
			continue
		}
		require.NotEmpty(t, stages, "%s before the first FROM", in.cmd)
		stages[len(stages)-1].instructions = append(stages[len(stages)-1].instructions, in)
	}
	return stages
}

func hasFlag(in instruction, flag string) bool {
	for _, f := range in.flags {
		if f == flag {
			return true
		}
	}
	return false
}

// exactVersionTag matches an image tag that names one release (1.26.8-bookworm, 17.6), not a moving line.
var exactVersionTag = regexp.MustCompile(`^v?\d+\.\d+\.\d+(-[a-z0-9.]+)?$`)

func TestDockerfile(t *testing.T) {
	t.Parallel()
	stages := parseDockerfile(t)
	require.Len(t, stages, 2, "a build stage and the final stage")
	build, final := stages[0], stages[1]

	t.Run("BuildStageIsAPinnedGoImageAtLeastGoModsVersion", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, "build", build.name, "FROM … AS build")
		name, tag, ok := strings.Cut(build.image, ":")
		require.True(t, ok, "the builder image %q should carry a tag", build.image)
		require.Equal(t, "golang", name)
		require.Regexp(t, exactVersionTag, tag, "the Go image should be pinned to one release")
		goVersion := "go" + strings.SplitN(tag, "-", 2)[0]

		goLine := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(readRepoFile(t, "go.mod"))
		require.Len(t, goLine, 2, "go.mod should have a go line")
		require.GreaterOrEqual(t, version.Compare(goVersion, "go"+goLine[1]), 0,
			"the builder's Go (%s) should be at least go.mod's go line (%s)", goVersion, goLine[1])
	})

	t.Run("BuildsAStaticTrimmedBinaryWithTheMakefilesVersion", func(t *testing.T) {
		t.Parallel()
		var buildCmd string
		for _, run := range build.find("run") {
			if strings.Contains(strings.Join(run.args, " "), "go build") {
				buildCmd = strings.Join(run.args, " ")
			}
		}
		require.NotEmpty(t, buildCmd, "the build stage should run go build")
		for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-tags timetzdata", "./cmd/homekeep", "-o /out/homekeep"} {
			require.Contains(t, buildCmd, want)
		}
		// The Makefile's LDFLAGS sets the version `homekeep version` prints; the image sets the same variable.
		makefile := readRepoFile(t, "Makefile")
		ldflags := regexp.MustCompile(`(?m)^LDFLAGS = (-X [\w./]+)=`).FindStringSubmatch(makefile)
		require.Len(t, ldflags, 2, "the Makefile should set LDFLAGS = -X <var>=…")
		require.Contains(t, buildCmd, ldflags[1]+"=${VERSION}")
		require.Len(t, build.find("arg"), 1)
		require.Equal(t, []string{"VERSION=dev"}, build.find("arg")[0].args)
	})

	t.Run("FinalStageIsScratchWithOnlyTheBinaryCertificatesAndUser", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, "scratch", final.image, "nothing to pin or patch in the final image")
		// Every file comes from the build stage, to one of these places, and nothing else is added or run.
		allowed := map[string]string{
			"/usr/local/bin/homekeep":            "/out/homekeep",
			"/etc/ssl/certs/ca-certificates.crt": "/etc/ssl/certs/ca-certificates.crt",
			"/etc/passwd":                        "/out/passwd",
			"/etc/group":                         "/out/group",
			"/tmp":                               "/out/tmp",
			"/data":                              "/out/data",
		}
		copies := final.find("copy")
		require.Len(t, copies, len(allowed))
		for _, c := range copies {
			require.True(t, hasFlag(c, "--from=build"), "COPY %v should come from the build stage", c.args)
			require.Len(t, c.args, 2, "one source per COPY: %v", c.args)
			want, ok := allowed[c.args[1]]
			require.True(t, ok, "the final stage should not copy anything to %s", c.args[1])
			require.Equal(t, want, c.args[0], "source of %s", c.args[1])
		}
		for _, in := range final.instructions {
			require.NotContains(t, []string{"run", "add"}, in.cmd, "the final stage should only copy")
		}
	})

	t.Run("RunsAsTheNonRootUserThatOwnsData", func(t *testing.T) {
		t.Parallel()
		users := final.find("user")
		require.Len(t, users, 1)
		uid, gid, _ := strings.Cut(users[0].args[0], ":")
		require.Regexp(t, `^[1-9]\d*$`, uid, "USER should be numeric and not root, so runAsNonRoot can check it")
		require.Regexp(t, `^[1-9]\d*$`, gid)

		passwd := regexp.MustCompile(`echo '(homekeep:x:(\d+):(\d+):[^']*)' > /out/passwd`).
			FindStringSubmatch(strings.Join(build.find("run")[len(build.find("run"))-1].args, " "))
		require.Len(t, passwd, 4, "the build stage should write the user's passwd line")
		require.Equal(t, []string{uid, gid}, passwd[2:4], "passwd should name the USER's ids")
		for _, c := range final.find("copy") {
			if c.args[1] == "/data" {
				require.True(t, hasFlag(c, "--chown="+uid+":"+gid), "/data should belong to the user: %v", c.flags)
			}
		}
	})

	t.Run("ServesByDefaultWithAHealthCheckAndFileStoreUnderData", func(t *testing.T) {
		t.Parallel()
		ep := final.find("entrypoint")
		require.Len(t, ep, 1)
		require.True(t, ep[0].json, "ENTRYPOINT in exec form: there is no shell")
		require.Equal(t, []string{"/usr/local/bin/homekeep"}, ep[0].args)
		cmd := final.find("cmd")
		require.Len(t, cmd, 1)
		require.Equal(t, []string{"serve"}, cmd[0].args)
		require.Equal(t, []string{"8080"}, final.find("expose")[0].args)

		hc := final.find("healthcheck")
		require.Len(t, hc, 1)
		require.True(t, hc[0].json, "HEALTHCHECK CMD in exec form: there is no shell")
		require.Equal(t, []string{"CMD", "/usr/local/bin/homekeep", "healthcheck"}, hc[0].args)

		env := map[string]string{}
		for _, e := range final.find("env") {
			for i := 0; i+1 < len(e.args); i += 3 {
				env[e.args[i]] = e.args[i+1]
			}
		}
		require.Equal(t, ":8080", env["HTTP_ADDR"], "the listener should match EXPOSE")
		require.Equal(t, "file:///data/files", env["FILE_STORAGE_URL"], "uploads should land in /data, the user's directory")
	})
}

// TestDockerignoreKeepsWhatTheBuildNeeds checks that the build context (everything .dockerignore lets
// through) holds every Go file and embedded file cmd/homekeep is built from, and no test file, local data or
// .git: the image build has no other way to find out a file is missing than failing.
func TestDockerignoreKeepsWhatTheBuildNeeds(t *testing.T) {
	t.Parallel()
	var patterns []string
	sc := bufio.NewScanner(strings.NewReader(readRepoFile(t, ".dockerignore")))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	require.NotEmpty(t, patterns)
	require.Equal(t, "*", patterns[0], ".dockerignore should start by excluding everything, then re-include")
	included := map[string]bool{}
	var excluded []string
	for _, p := range patterns[1:] {
		if strings.HasPrefix(p, "!") {
			included[strings.TrimSuffix(strings.TrimPrefix(p, "!"), "/")] = true
		} else {
			excluded = append(excluded, p)
		}
	}
	require.Equal(t, []string{"**/*_test.go", "**/testdata/"}, excluded)
	for _, never := range []string{".git", ".data", "bin", "tools", "test-artifacts", ".env"} {
		require.False(t, included[never], "%s should stay out of the build context", never)
	}

	root := repoPath(t, "")
	list := exec.Command("go", "list", "-deps", "-json=Dir,Module,GoFiles,EmbedFiles", "./cmd/homekeep")
	list.Dir = root
	var stderr strings.Builder
	list.Stderr = &stderr
	out, err := list.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	dec := json.NewDecoder(strings.NewReader(string(out)))
	files := 0
	for dec.More() {
		var pkg struct {
			Dir                 string
			Module              *struct{ Path string }
			GoFiles, EmbedFiles []string
		}
		require.NoError(t, dec.Decode(&pkg))
		if pkg.Module == nil || pkg.Module.Path != "github.com/homekeep/homekeep" {
			continue
		}
		for _, f := range append(pkg.GoFiles, pkg.EmbedFiles...) {
			rel, err := filepath.Rel(root, filepath.Join(pkg.Dir, f))
			require.NoError(t, err)
			rel = filepath.ToSlash(rel)
			top, _, _ := strings.Cut(rel, "/")
			require.True(t, included[top] || included[rel], "%s is needed by the build but .dockerignore leaves it out", rel)
			require.NotContains(t, rel, "/testdata/", "%s is needed by the build but .dockerignore leaves it out", rel)
			files++
		}
	}
	require.True(t, included["go.mod"] && included["go.sum"], "the module files should be in the context")
	require.Greater(t, files, 100, "go list should have named the module's files")
}
