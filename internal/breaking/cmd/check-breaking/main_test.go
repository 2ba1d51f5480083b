package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// spec is a one-operation document whose response has the given properties, all required.
func spec(version string, props ...string) string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: t, version: '" + version + "'}\npaths:\n  /x:\n    get:\n" +
		"      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n" +
		"              schema:\n                type: object\n                required: [" + strings.Join(props, ", ") +
		"]\n                properties:\n")
	for _, p := range props {
		b.WriteString("                  " + p + ": {type: string}\n")
	}
	return b.String()
}

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		return path
	}
	released := write("released.yaml", spec("1.0.0", "a", "b"))
	tests := []struct {
		name       string
		args       []string
		want       int
		wantStdout string
		wantStderr string
	}{
		{"SameSpecPasses", []string{released, released}, 0, "no breaking changes", ""},
		{"RemovedFieldFails", []string{released, write("removed.yaml", spec("1.1.0", "a"))}, 1,
			"removed the required property `b`", ""},
		{"RemovedFieldInNewMajorPasses", []string{released, write("major.yaml", spec("2.0.0", "a"))}, 0,
			"allowed by the new major version 2.0.0", ""},
		{"MissingFileIsAnError", []string{released, filepath.Join(dir, "none.yaml")}, 2, "", "none.yaml"},
		{"WrongArgumentsAreAnError", []string{released}, 2, "", "usage:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr strings.Builder
			got := run(tt.args, &stdout, &stderr)
			require.Equal(t, tt.want, got, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			require.Contains(t, stdout.String(), tt.wantStdout)
			require.Contains(t, stderr.String(), tt.wantStderr)
		})
	}
}
