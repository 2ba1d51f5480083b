package seed

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
)

func TestApply(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.Pool(t)
	count := func(t *testing.T) map[string]int {
		t.Helper()
		got := map[string]int{}
		for _, table := range []string{"residence_types", "task_categories", "task_priorities", "task_frequencies", "contractor_specialties"} {
			var n int
			require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n))
			got[table] = n
		}
		return got
	}

	require.NoError(t, Apply(ctx, pool))
	first := count(t)
	require.Equal(t, map[string]int{
		"residence_types": len(residenceTypes), "task_categories": len(taskCategories),
		"task_priorities": len(taskPriorities), "task_frequencies": len(taskFrequencies),
		"contractor_specialties": len(contractorSpecialties),
	}, first)

	_, err := pool.Exec(ctx, "INSERT INTO residence_types (name, display_order) VALUES ('Houseboat', 50)")
	require.NoError(t, err)
	_, err = pool.Exec(ctx, "UPDATE task_frequencies SET interval_days = 1 WHERE name = 'Quarterly'")
	require.NoError(t, err)

	require.NoError(t, Apply(ctx, pool), "seeding twice succeeds")
	second := count(t)
	first["residence_types"]++
	require.Equal(t, first, second, "a second seed adds nothing and keeps operator rows")
	var days int
	require.NoError(t, pool.QueryRow(ctx, "SELECT interval_days FROM task_frequencies WHERE name = 'Quarterly'").Scan(&days))
	require.Equal(t, 90, days, "seed restores its own rows' values")
}
