package residences_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app/residences"
	"github.com/homekeep/homekeep/internal/testdb"
)

// TestDefaultDaysThresholdIsTheColumnDefault keeps the one Go copy of the due-soon default equal to the one
// SQL copy, the default of users.days_threshold, so a migration that changes either cannot leave residence
// counts and new users' boards on different thresholds.
func TestDefaultDaysThresholdIsTheColumnDefault(t *testing.T) {
	t.Parallel()
	var def string
	require.NoError(t, testdb.Pool(t).QueryRow(context.Background(), `
		SELECT pg_get_expr(d.adbin, d.adrelid)
		FROM pg_attrdef d
		JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
		WHERE d.adrelid = 'users'::regclass AND a.attname = 'days_threshold'`).Scan(&def))
	require.Equal(t, strconv.Itoa(int(residences.DefaultDaysThreshold)), def,
		"residences.DefaultDaysThreshold must equal the default of users.days_threshold")
}
