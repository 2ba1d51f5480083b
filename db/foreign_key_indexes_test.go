package db_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
)

// unindexedForeignKeys lists every foreign key of the public schema that no index covers. Deleting or
// re-keying a referenced row makes PostgreSQL look up the referencing rows by the foreign key's columns; without
// an index that lookup scans the whole referencing table, once per deleted row (a user deletion touches every
// table that names users). An index covers a foreign key when its leading columns are exactly the key's
// columns (in any order) and it is not partial, except that a partial index on "column IS NOT NULL" still
// serves the lookup (an equality never matches NULL) and so covers a one-column key.
const unindexedForeignKeys = `
SELECT c.conrelid::regclass::text || '.' || (
           SELECT string_agg(a.attname, ',' ORDER BY k.ord)
           FROM unnest(c.conkey) WITH ORDINALITY AS k (attnum, ord)
           INNER JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
       ) || ' (' || c.conname || ')'
FROM pg_constraint c
WHERE c.contype = 'f'
  AND c.connamespace = 'public'::regnamespace
  AND NOT EXISTS (
      SELECT 1
      FROM pg_index i
      WHERE i.indrelid = c.conrelid
        AND i.indisvalid
        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey
        AND (i.indpred IS NULL
             OR (cardinality(c.conkey) = 1
                 AND pg_get_expr(i.indpred, i.indrelid) = format('(%I IS NOT NULL)',
                     (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = c.conkey[1])))))
ORDER BY 1`

// TestEveryForeignKeyHasAnIndex fails on any foreign key without a covering index, naming table, columns and
// constraint, so a new table cannot forget one.
func TestEveryForeignKeyHasAnIndex(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	rows, err := pool.Query(context.Background(), unindexedForeignKeys)
	require.NoError(t, err, "listing foreign keys without an index")
	var missing []string
	for rows.Next() {
		var fk string
		require.NoError(t, rows.Scan(&fk))
		missing = append(missing, fk)
	}
	require.NoError(t, rows.Err())
	require.Empty(t, missing, "foreign keys without a covering index (add one in a migration): deleting a referenced "+
		"row scans the whole referencing table for each of these")
}
