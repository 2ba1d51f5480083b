package bench

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseQueriesAndNumberParams(t *testing.T) {
	t.Parallel()
	file := `-- name: TaskThing :many
-- Reads @not_a_param from a comment.
SELECT x.* FROM t x
WHERE x.user_id = @user_id AND x.threshold < @threshold_days::integer
  AND (sqlc.narg(residence_id)::bigint IS NULL OR x.residence_id = sqlc.narg(residence_id)::bigint)
  AND x.id = @id AND x.user_id = @user_id;

-- name: ResidenceIDsForUser :many
SELECT residence_id FROM residence_members WHERE user_id = sqlc.arg(user_id);

-- name: StaticDataList :many
SELECT 1;
`
	got := parseQueries(file)
	require.Equal(t, map[string][]param{
		"TaskThing": {{name: "user_id"}, {name: "threshold_days"}, {name: "residence_id", nullable: true},
			{name: "residence_id", nullable: true}, {name: "id"}, {name: "user_id"}},
		"ResidenceIDsForUser": {{name: "user_id"}},
		"StaticDataList":      {},
	}, got)

	// sqlc numbers a CTE's parameters after the main query's: the names come from where each $n stands.
	numbered, err := numberParams(got["TaskThing"], "-- name: TaskThing :many\nSELECT x.* FROM t x WHERE x.user_id = $3 "+
		"AND x.threshold < $1::integer AND ($2::bigint IS NULL OR x.residence_id = $2::bigint) AND x.id = $4 AND x.user_id = $3")
	require.NoError(t, err)
	require.Equal(t, []param{{name: "threshold_days"}, {name: "residence_id", nullable: true}, {name: "user_id"},
		{name: "id"}}, numbered)

	_, err = numberParams(got["TaskThing"], "SELECT $1")
	require.ErrorContains(t, err, "regenerate")
	_, err = numberParams([]param{{name: "a"}, {name: "b"}}, "SELECT $1, $1")
	require.ErrorContains(t, err, "stands for both")
}

func TestPlanArgsFromParameterNames(t *testing.T) {
	t.Parallel()
	u := typicalUser{id: 1, token: "t", residences: []int64{1, 2, 3}, task: 40, contractor: 50, document: 60}
	args, err := planArgs("TaskGet", []param{{name: "threshold_days"}, {name: "id"}, {name: "user_id"}}, u)
	require.NoError(t, err)
	require.Equal(t, []any{30, int64(40), int64(1)}, args)

	args, err = planArgs("ResidenceGet", []param{{name: "id"}, {name: "residence_id", nullable: true}}, u)
	require.NoError(t, err)
	require.Equal(t, []any{int64(1), nil}, args)

	_, err = planArgs("TaskGet", []param{{name: "mystery"}}, u)
	require.ErrorContains(t, err, `"mystery"`)
}
