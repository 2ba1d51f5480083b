package apple

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNew(t *testing.T) {
	t.Parallel()

	t.Run("RequiresABundleID", func(t *testing.T) {
		t.Parallel()
		_, err := New(Options{AppAppleID: testAppAppleID})
		require.ErrorContains(t, err, "Options.BundleID")
	})

	t.Run("RefusesANegativeAppAppleID", func(t *testing.T) {
		t.Parallel()
		_, err := New(Options{BundleID: testBundleID, AppAppleID: -1})
		require.ErrorContains(t, err, "Options.AppAppleID")
	})

	t.Run("TrustsThePinnedRootWithoutRoots", func(t *testing.T) {
		t.Parallel()
		v, err := New(Options{BundleID: testBundleID})
		require.NoError(t, err)
		pinned, err := appleRoots()
		require.NoError(t, err)
		require.Same(t, pinned, v.roots)
	})
}
