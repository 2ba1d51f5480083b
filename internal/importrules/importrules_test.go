package importrules

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	module = "github.com/homekeep/homekeep"
	// sqlc is the generated query package; only the data-access seam may import it.
	sqlc = module + "/internal/gen/dbsqlc"
	// seam is the subtree allowed to import sqlc.
	seam = module + "/internal/app"
	// gen is the subtree of generated code, which must not depend on hand-written packages.
	gen = module + "/internal/gen"
)

// pkg is the part of `go list -json` output the rules read.
type pkg struct {
	ImportPath   string
	Imports      []string
	Deps         []string
	TestImports  []string
	XTestImports []string
}

// within reports whether path is root or a package below it.
func within(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+"/")
}

// violations returns one line per broken import rule, empty when the graph is as intended.
func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		if !within(p.ImportPath, seam) {
			for kind, imports := range map[string][]string{"imports": p.Imports, "test imports": p.TestImports,
				"external test imports": p.XTestImports} {
				for _, imp := range imports {
					if imp == sqlc {
						out = append(out, p.ImportPath+" "+kind+" "+sqlc+": only "+seam+"/... may")
					}
				}
			}
		}
		if within(p.ImportPath, gen) {
			for _, dep := range p.Deps {
				if within(dep, module) && !within(dep, gen) {
					out = append(out, p.ImportPath+" depends on "+dep+": generated code imports nothing of ours")
				}
			}
		}
	}
	return out
}

// listModule runs `go list -json ./...` at the module root and decodes every package.
func listModule(t *testing.T) []pkg {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(t.Context(), "go", "list", "-json", module+"/...")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "go list: %s", stderr.String())
	var pkgs []pkg
	for dec := json.NewDecoder(&stdout); ; {
		var p pkg
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "decoding go list output")
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestModuleKeepsImportRules(t *testing.T) {
	t.Parallel()
	pkgs := listModule(t)
	require.NotEmpty(t, pkgs)
	broken := violations(pkgs)
	require.Empty(t, broken, "import rules broken:\n%s", strings.Join(broken, "\n"))
}

func TestViolationsNamesEachBrokenRule(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		pkg  pkg
		want []string
	}{
		{name: "SeamMayImportSqlc", pkg: pkg{ImportPath: seam, Imports: []string{sqlc}}},
		{name: "SeamSubpackageMayImportSqlc", pkg: pkg{ImportPath: seam + "/tasks", Imports: []string{sqlc}}},
		{name: "GeneratedMayImportGenerated", pkg: pkg{ImportPath: gen + "/oas", Deps: []string{sqlc, "fmt"}}},
		{name: "OtherPackageImportingSqlc", pkg: pkg{ImportPath: module + "/internal/service", Imports: []string{sqlc}},
			want: []string{module + "/internal/service imports " + sqlc}},
		{name: "TestImportingSqlc", pkg: pkg{ImportPath: module + "/internal/apptest", XTestImports: []string{sqlc}},
			want: []string{module + "/internal/apptest external test imports " + sqlc}},
		{name: "LookalikePrefixIsNotTheSeam", pkg: pkg{ImportPath: module + "/internal/appx", TestImports: []string{sqlc}},
			want: []string{module + "/internal/appx test imports " + sqlc}},
		{name: "GeneratedDependingOnOurs", pkg: pkg{ImportPath: sqlc, Deps: []string{module + "/internal/config"}},
			want: []string{sqlc + " depends on " + module + "/internal/config"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := violations([]pkg{tc.pkg})
			require.Len(t, got, len(tc.want), "%q", got)
			for i, w := range tc.want {
				require.True(t, strings.HasPrefix(got[i], w), "got %q, want it to start with %q", got[i], w)
			}
		})
	}
}
