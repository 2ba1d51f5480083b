package api_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apierror"
)

// TestEveryPatternHasAMessage holds apierror to the spec: a request field's pattern is checked by the
// generated decoder before any handler runs, and a value that does not match is told the rule in words
// (apierror.PatternMessage) rather than "has the wrong format".
func TestEveryPatternHasAMessage(t *testing.T) {
	t.Parallel()
	patterns := map[string][]string{}
	for _, op := range specOperations(t) {
		for _, ct := range slices.Sorted(maps.Keys(op.Bodies)) {
			for _, f := range bodyFields(t, op.Bodies[ct]) {
				if p := f.Schema.Pattern; p != "" {
					patterns[p] = append(patterns[p], op.ID+" "+f.Path)
				}
			}
		}
		for _, p := range append(slices.Clone(op.Query), op.PathParams...) {
			if pat := p.Schema.Value.Pattern; pat != "" {
				patterns[pat] = append(patterns[pat], op.ID+" "+p.Name)
			}
		}
	}
	require.NotEmpty(t, patterns, "the spec's request fields have patterns")
	for _, p := range slices.Sorted(maps.Keys(patterns)) {
		_, ok := apierror.PatternMessage(p)
		require.True(t, ok, "pattern %q (%v) has no message in apierror's patternMessages", p, patterns[p])
	}
}
