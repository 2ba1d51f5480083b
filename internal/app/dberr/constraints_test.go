package dberr

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
)

// schemaConstraints lists every constraint of the public schema with its kind (pg_constraint.contype: f, u,
// c, p, x), plus every unique index that backs no constraint (CREATE UNIQUE INDEX), as kind u: PostgreSQL
// names such an index in a unique violation just as it names a constraint.
const schemaConstraints = `
SELECT conname, contype::text FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION
SELECT c.relname, 'u'
FROM pg_index i
INNER JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indisunique AND c.relnamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`

// indexNames lists every index of the public schema, for TestNoConstraintNameWrittenAsText.
const indexNames = `SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`

// kindBySuffix is the kind a constant's name promises, after PostgreSQL's naming convention.
var kindBySuffix = []struct{ suffix, contype string }{
	{"_fkey", "f"},
	{"_pkey", "p"},
	{"_key", "u"},
	{"_check", "c"},
	{"_excl", "x"},
}

// TestConstantsNameConstraintsOfTheSchema fails when a Constraint constant names no constraint of the migrated
// schema, or one of another kind than its name says: a migration renamed or dropped it, and a handler
// comparing against the old name would turn the violation into a 500.
func TestConstantsNameConstraintsOfTheSchema(t *testing.T) {
	t.Parallel()
	schema := querySchema(t, testdb.Pool(t), schemaConstraints)
	constants := constraintConstants(t)
	require.NotEmpty(t, constants, "no Constraint constants found in package dberr")
	for name, value := range constants {
		want := ""
		for _, k := range kindBySuffix {
			if strings.HasSuffix(value, k.suffix) {
				want = k.contype
				break
			}
		}
		require.NotEmpty(t, want, "%s = %q: the name must end in _fkey, _key, _pkey, _check or _excl, as PostgreSQL names them",
			name, value)
		got, ok := schema[value]
		require.True(t, ok, "%s = %q: no such constraint or unique index in the migrated schema (renamed in a migration?)",
			name, value)
		require.Equal(t, want, got, "%s = %q: the schema has it as pg_constraint.contype %q, its name says %q",
			name, value, got, want)
	}
}

// TestNoConstraintNameWrittenAsText fails when hand-written Go code outside this package spells the name of a
// constraint or index of the schema as a string literal: handlers must use the constants, which
// TestConstantsNameConstraintsOfTheSchema checks.
func TestNoConstraintNameWrittenAsText(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	names := querySchema(t, pool, schemaConstraints)
	for n, kind := range querySchema(t, pool, indexNames) {
		names[n] = kind
	}
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	here, err := filepath.Abs(".")
	require.NoError(t, err)

	var found []string
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			if path == here || rel == filepath.Join("internal", "gen") || rel == "client" ||
				(rel != "." && strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && names[s] != "" {
				found = append(found, fset.Position(lit.Pos()).String()+": "+lit.Value)
			}
			return true
		})
		return nil
	})
	require.NoError(t, err, "walking the module's Go files")
	require.Empty(t, found, "constraint or index names written as text: add a constant to internal/app/dberr/"+
		"constraints.go and use it (with dberr.Interpret and dberr.IsUnique/IsForeignKey)")
}

// constraintConstants returns every constant of type Constraint declared in this package, by name, read from
// the source so that a new constant is checked without being listed anywhere else.
func constraintConstants(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	out := map[string]string{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		require.NoError(t, err, "parsing %s", path)
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if typ, ok := vs.Type.(*ast.Ident); !ok || typ.Name != "Constraint" {
					continue
				}
				for i, name := range vs.Names {
					lit, ok := vs.Values[i].(*ast.BasicLit)
					require.True(t, ok && lit.Kind == token.STRING, "%s: write the constraint name as a string literal", name.Name)
					value, err := strconv.Unquote(lit.Value)
					require.NoError(t, err)
					out[name.Name] = value
				}
			}
		}
	}
	return out
}

// querySchema runs a query returning a name and, optionally, a kind, and maps each name to its kind ("-" when
// the query returns none).
func querySchema(t *testing.T, pool *pgxpool.Pool, sql string) map[string]string {
	t.Helper()
	rows, err := pool.Query(context.Background(), sql)
	require.NoError(t, err, "querying the schema")
	out := map[string]string{}
	for rows.Next() {
		vals, err := rows.Values()
		require.NoError(t, err)
		kind := "-"
		if len(vals) > 1 {
			kind = vals[1].(string)
		}
		out[vals[0].(string)] = kind
	}
	require.NoError(t, rows.Err(), "querying the schema")
	return out
}
