// Package breaking is the contract's breaking-change gate: it compares the spec being built
// (api/openapi.yaml) with the last released one (api/openapi.released.yaml) with oasdiff, and fails when a
// change would break a client generated from the release, unless the new spec's info.version starts a new
// major version. `make check-breaking` runs it through the check-breaking command.
package breaking

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

// Spec is one side of the comparison: a document and the name it is reported under (its path).
type Spec struct {
	Name string
	Data []byte
}

// Report is what Check found.
type Report struct {
	Released, Current Spec
	// ReleasedVersion and Version are the two documents' info.version.
	ReleasedVersion, Version string
	// NewMajor is whether Version's major part is above ReleasedVersion's, which admits breaking changes.
	NewMajor bool
	// Breaking are the changes that break a client of the release (oasdiff's level ERR), one line each.
	Breaking []string
	// Warnings are changes that may break some clients (oasdiff's level WARN). They are shown and never fail
	// the gate: each needs a person's judgement.
	Warnings []string
}

// Failed reports whether the gate fails: a breaking change without a new major version.
func (r *Report) Failed() bool {
	return len(r.Breaking) > 0 && !r.NewMajor
}

// Check compares current with released.
func Check(released, current Spec) (*Report, error) {
	// One loader per document: a loader remembers what it has loaded, by location.
	base, err := loadSpec(released)
	if err != nil {
		return nil, err
	}
	revision, err := loadSpec(current)
	if err != nil {
		return nil, err
	}
	r := &Report{Released: released, Current: current, ReleasedVersion: base.GetVersion(), Version: revision.GetVersion()}
	releasedMajor, err := majorPart(r.ReleasedVersion)
	if err != nil {
		return nil, fmt.Errorf("error reading info.version of %s: %w", released.Name, err)
	}
	currentMajor, err := majorPart(r.Version)
	if err != nil {
		return nil, fmt.Errorf("error reading info.version of %s: %w", current.Name, err)
	}
	r.NewMajor = currentMajor > releasedMajor

	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), base, revision)
	if err != nil {
		return nil, fmt.Errorf("error comparing %s with %s: %w", current.Name, released.Name, err)
	}
	localize := checker.NewDefaultLocalizer()
	changes := checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources,
		checker.WARN)
	for _, c := range changes {
		line := describe(c, localize)
		switch c.GetLevel() {
		case checker.ERR:
			r.Breaking = append(r.Breaking, line)
		case checker.WARN:
			r.Warnings = append(r.Warnings, line)
		default:
		}
	}
	return r, nil
}

// loadSpec parses and resolves one document as oasdiff expects it.
func loadSpec(s Spec) (*load.SpecInfo, error) {
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true // line numbers in the report
	info, err := load.NewSpecInfoFromData(loader, s.Data, s.Name)
	if err != nil {
		return nil, fmt.Errorf("error loading %s: %w", s.Name, err)
	}
	return info, nil
}

// describe renders a change on one line: where (the operation, or the spec's location), what, and oasdiff's
// rule id, which is what its documentation is indexed by.
func describe(c checker.Change, localize checker.Localizer) string {
	var b strings.Builder
	if c.GetOperation() != "" {
		fmt.Fprintf(&b, "%s %s: ", c.GetOperation(), c.GetPath())
	} else if src := c.GetSource(); src != "" {
		fmt.Fprintf(&b, "%s: ", src)
	}
	fmt.Fprintf(&b, "%s [%s]", c.GetUncolorizedText(localize), c.GetId())
	return b.String()
}

// majorPart returns the number info.version starts with ("1.4.0" and "v1.4" give 1, "2" gives 2).
func majorPart(version string) (int, error) {
	digits := strings.TrimPrefix(strings.TrimSpace(version), "v")
	if i := strings.IndexByte(digits, '.'); i >= 0 {
		digits = digits[:i]
	}
	major, err := strconv.Atoi(digits)
	if err != nil || major < 0 {
		return 0, fmt.Errorf("%q does not start with a major version number", version)
	}
	return major, nil
}

// String renders the report for a person: every breaking change and warning, then the verdict.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "check-breaking: %s (%s) against the release %s (%s)\n",
		r.Current.Name, r.Version, r.Released.Name, r.ReleasedVersion)
	for _, line := range r.Breaking {
		fmt.Fprintf(&b, "  breaking: %s\n", line)
	}
	for _, line := range r.Warnings {
		fmt.Fprintf(&b, "  warning:  %s\n", line)
	}
	switch {
	case len(r.Breaking) == 0:
		fmt.Fprintf(&b, "check-breaking: no breaking changes (%d warnings)\n", len(r.Warnings))
	case r.NewMajor:
		fmt.Fprintf(&b, "check-breaking: %d breaking changes, allowed by the new major version %s\n",
			len(r.Breaking), r.Version)
	default:
		fmt.Fprintf(&b, "check-breaking: FAILED: %d breaking changes against the release, and info.version %s "+
			"keeps its major part: undo them, or raise the major version of info.version in %s\n",
			len(r.Breaking), r.Version, r.Current.Name)
	}
	return b.String()
}
