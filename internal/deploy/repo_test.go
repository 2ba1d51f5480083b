package deploy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// repoPath returns the path of a file relative to the repository root (this package is internal/deploy).
func repoPath(t *testing.T, rel string) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "the repository root should hold go.mod")
	return filepath.Join(root, filepath.FromSlash(rel))
}

// readRepoFile returns a repository file's content.
func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(repoPath(t, rel))
	require.NoError(t, err, "reading %s", rel)
	return string(b)
}
