// Command check-breaking is the breaking-change gate that `make check-breaking` runs (package breaking): it
// compares a spec with the last released one and exits 1 when the spec breaks clients of the release without
// starting a new major version, 2 when it cannot tell.
//
//	check-breaking api/openapi.released.yaml api/openapi.yaml
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/homekeep/homekeep/internal/breaking"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	// Writes to the terminal: when one fails there is nowhere left to report it.
	fail := func(err error) int {
		_, _ = fmt.Fprintf(stderr, "check-breaking: %v\n", err)
		return 2
	}
	if len(args) != 2 {
		return fail(errors.New("usage: check-breaking RELEASED_SPEC CURRENT_SPEC"))
	}
	var specs [2]breaking.Spec
	for i, path := range args {
		data, err := os.ReadFile(path) //nolint:gosec // G304: the specs to compare are named by the caller
		if err != nil {
			return fail(err)
		}
		specs[i] = breaking.Spec{Name: path, Data: data}
	}
	report, err := breaking.Check(specs[0], specs[1])
	if err != nil {
		return fail(err)
	}
	_, _ = io.WriteString(stdout, report.String())
	if report.Failed() {
		return 1
	}
	return 0
}
