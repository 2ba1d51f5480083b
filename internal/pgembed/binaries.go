package pgembed

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// debianRoot is where Debian and Ubuntu install the server programs, one directory per major version. The
// postgresql package puts only client wrappers on PATH, so initdb and pg_ctl are usually found here.
const debianRoot = "/usr/lib/postgresql"

// ErrNoBinaries reports that no PostgreSQL server programs were found, so no private cluster can run. Callers
// check it with errors.Is to tell the user what to do instead of failing obscurely.
var ErrNoBinaries = errors.New("no PostgreSQL server programs (initdb, pg_ctl, postgres) found: " +
	"install PostgreSQL (Debian: `apt-get install postgresql`) or set DATABASE_URL")

// binaries holds absolute paths of the server programs Start runs.
type binaries struct {
	initdb   string
	pgCtl    string
	postgres string
}

// findBinaries looks on PATH first, then under Debian's versioned install directories.
func findBinaries() (binaries, error) {
	return lookupBinaries(exec.LookPath, debianRoot)
}

// lookupBinaries uses the programs on PATH when all three are there, so a user's own build wins; otherwise it
// takes the highest version under root. lookPath is exec.LookPath outside tests.
func lookupBinaries(lookPath func(string) (string, error), root string) (binaries, error) {
	initdb, errI := lookPath("initdb")
	pgCtl, errC := lookPath("pg_ctl")
	postgres, errP := lookPath("postgres")
	if errI == nil && errC == nil && errP == nil {
		return binaries{initdb: initdb, pgCtl: pgCtl, postgres: postgres}, nil
	}
	dir, ok := highestVersionBin(root)
	if !ok {
		return binaries{}, fmt.Errorf("error finding initdb, pg_ctl and postgres on PATH or in %s/<version>/bin: %w",
			root, ErrNoBinaries)
	}
	return binaries{
		initdb:   filepath.Join(dir, "initdb"),
		pgCtl:    filepath.Join(dir, "pg_ctl"),
		postgres: filepath.Join(dir, "postgres"),
	}, nil
}

// highestVersionBin returns root/<version>/bin for the highest numeric version whose bin directory holds all
// three programs. Directories that are not versions (such as "lib") or lack a program are skipped.
func highestVersionBin(root string) (string, bool) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return "", false
	}
	var best string
	var bestVersion []int
	for _, e := range entries {
		version, ok := parseVersion(e.Name())
		if !ok {
			continue
		}
		bin := filepath.Join(root, e.Name(), "bin")
		if !isExecutable(filepath.Join(bin, "initdb")) || !isExecutable(filepath.Join(bin, "pg_ctl")) ||
			!isExecutable(filepath.Join(bin, "postgres")) {
			continue
		}
		if best == "" || slices.Compare(version, bestVersion) > 0 {
			best, bestVersion = bin, version
		}
	}
	return best, best != ""
}

// parseVersion reads "15" or "9.6" as numbers, so that 10 sorts above 9.6.
func parseVersion(name string) ([]int, bool) {
	parts := strings.Split(name, ".")
	version := make([]int, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		version = append(version, n)
	}
	return version, true
}

// isExecutable reports whether path (after symlinks) is a regular file with an execute bit set.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
