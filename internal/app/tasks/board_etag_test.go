package tasks

import (
	"crypto/sha256"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/go-faster/jx"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// fullBoardRow is a row with every field set to a value of its own (no zeros, no nils), built by reflection
// so a column added to the query is filled too.
func fullBoardRow(t testing.TB) *dbsqlc.TaskBoardRow {
	t.Helper()
	r := &dbsqlc.TaskBoardRow{}
	v := reflect.ValueOf(r).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() == reflect.Pointer {
			f.Set(reflect.New(f.Type().Elem()))
			f = f.Elem()
		}
		setDistinct(t, f, i+1)
	}
	return r
}

// setDistinct sets f to a non-zero value derived from n.
func setDistinct(t testing.TB, f reflect.Value, n int) {
	t.Helper()
	switch {
	case f.Type() == reflect.TypeFor[time.Time]():
		f.Set(reflect.ValueOf(time.Date(2026, 6, 1, 10, 30, 15, 123456000, time.UTC).AddDate(0, 0, n)))
	case f.Kind() == reflect.Int64 || f.Kind() == reflect.Int32:
		f.SetInt(int64(n))
	case f.Kind() == reflect.Float64:
		f.SetFloat(float64(n) + 0.25)
	case f.Kind() == reflect.String:
		f.SetString(fmt.Sprintf("s%d", n))
	case f.Kind() == reflect.Bool:
		f.SetBool(true)
	default:
		t.Fatalf("TaskBoardRow has a field of type %s: teach setDistinct and mutations, and appendBoardRow", f.Type())
	}
}

// mutations are the ways to change the value v in place: another value of its kind, and its zero value.
// For a nullable field, also null.
func mutations(t *testing.T, v reflect.Value) map[string]func() {
	t.Helper()
	m := map[string]func(){}
	if v.Kind() == reflect.Pointer {
		m["Null"] = func() { v.SetZero() }
		v = v.Elem()
	}
	m["Zero"] = func() { v.SetZero() }
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
		at := v.Interface().(time.Time)
		m["OneMicrosecondLater"] = func() { v.Set(reflect.ValueOf(at.Add(time.Microsecond))) }
		m["OneDayEarlier"] = func() { v.Set(reflect.ValueOf(at.AddDate(0, 0, -1))) }
	case v.Kind() == reflect.Int64 || v.Kind() == reflect.Int32:
		m["PlusOne"] = func() { v.SetInt(v.Int() + 1) }
		m["Negative"] = func() { v.SetInt(-v.Int()) }
	case v.Kind() == reflect.Float64:
		m["PlusAHundredth"] = func() { v.SetFloat(v.Float() + 0.01) }
	case v.Kind() == reflect.String:
		m["OneMoreCharacter"] = func() { v.SetString(v.String() + "x") }
		m["OneCharacterChanged"] = func() { v.SetString("t" + v.String()[1:]) }
	case v.Kind() == reflect.Bool:
		m["Flipped"] = func() { v.SetBool(!v.Bool()) }
	default:
		t.Fatalf("no mutations for %s", v.Type())
	}
	return m
}

// TestBoardETagCoversEveryRowField changes each field of a card's row in every way its type allows (for a
// nullable field also to null and to a present zero) and checks the board's ETag changes, so a column
// added to the board query cannot be left out of the tag.
func TestBoardETagCoversEveryRowField(t *testing.T) {
	t.Parallel()
	other := fullBoardRow(t)
	other.ID++
	rowType := reflect.TypeFor[dbsqlc.TaskBoardRow]()
	for i := range rowType.NumField() {
		field := rowType.Field(i)
		for name := range mutations(t, reflect.ValueOf(fullBoardRow(t)).Elem().Field(i)) {
			for _, position := range []int{0, 1} { // the changed card first and last on the board
				t.Run(fmt.Sprintf("%s/%s/Card%d", field.Name, name, position), func(t *testing.T) {
					base, changed := fullBoardRow(t), fullBoardRow(t)
					cv := reflect.ValueOf(changed).Elem().Field(i)
					mutations(t, cv)[name]()
					require.NotEqual(t, reflect.ValueOf(base).Elem().Field(i).Interface(), cv.Interface(), "the mutation changes the field")
					before, after := []*dbsqlc.TaskBoardRow{other, base}, []*dbsqlc.TaskBoardRow{other, changed}
					if position == 0 {
						before, after = []*dbsqlc.TaskBoardRow{base, other}, []*dbsqlc.TaskBoardRow{changed, other}
					}
					require.NotEqual(t, boardETag(30, before), boardETag(30, after), "changing %s (%s) must change the ETag", field.Name, name)
				})
			}
		}
	}
}

// TestBoardETag checks what else a board's tag depends on, and that it depends on nothing but the data.
func TestBoardETag(t *testing.T) {
	t.Parallel()
	one, two := fullBoardRow(t), fullBoardRow(t)
	two.ID, two.Title = 99, "Second"
	rows := []*dbsqlc.TaskBoardRow{one, two}
	tag := boardETag(30, rows)

	t.Run("EqualDataEqualTag", func(t *testing.T) {
		t.Parallel()
		copyOne, copyTwo := *one, *two
		require.Equal(t, tag, boardETag(30, []*dbsqlc.TaskBoardRow{&copyOne, &copyTwo}))
	})
	t.Run("SameTagInEveryProcess", func(t *testing.T) {
		t.Parallel()
		// A fixed value: the hash has no per-process seed, so every instance tags the same board alike.
		// If this changes because the layout or the row changed, that is expected: update it (and
		// boardETagLayout when the JSON changed but the rows did not).
		require.Equal(t, `"87d33d27749d1096"`, boardETag(30, []*dbsqlc.TaskBoardRow{{ID: 1, Title: "Gutters", BoardColumn: "upcoming",
			CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}))
	})
	t.Run("ThresholdChangesTheTag", func(t *testing.T) {
		t.Parallel()
		require.NotEqual(t, tag, boardETag(31, rows))
	})
	t.Run("OrderChangesTheTag", func(t *testing.T) {
		t.Parallel()
		require.NotEqual(t, tag, boardETag(30, []*dbsqlc.TaskBoardRow{two, one}))
	})
	t.Run("AnExtraCardChangesTheTag", func(t *testing.T) {
		t.Parallel()
		require.NotEqual(t, tag, boardETag(30, append([]*dbsqlc.TaskBoardRow{}, one, two, &dbsqlc.TaskBoardRow{})))
		require.NotEqual(t, boardETag(30, nil), boardETag(30, []*dbsqlc.TaskBoardRow{{}}))
	})
	t.Run("TextMovedBetweenFieldsChangesTheTag", func(t *testing.T) {
		t.Parallel()
		a, b := *one, *one
		a.Title, a.Description = "ab", "c"
		b.Title, b.Description = "a", "bc"
		require.NotEqual(t, boardETag(30, []*dbsqlc.TaskBoardRow{&a}), boardETag(30, []*dbsqlc.TaskBoardRow{&b}))
	})
	t.Run("LongDescriptionsAreHashedWhole", func(t *testing.T) {
		t.Parallel()
		a, b := *one, *one
		a.Description = string(make([]byte, 5000)) + "a"
		b.Description = string(make([]byte, 5000)) + "b"
		require.NotEqual(t, boardETag(30, []*dbsqlc.TaskBoardRow{&a, two}), boardETag(30, []*dbsqlc.TaskBoardRow{&b, two}))
	})
}

// benchBoardRows is a board like BenchmarkBoard's in internal/app/api: 60 cards, most fields set.
func benchBoardRows(b *testing.B) []*dbsqlc.TaskBoardRow {
	b.Helper()
	rows := make([]*dbsqlc.TaskBoardRow, 60)
	for i := range rows {
		rows[i] = fullBoardRow(b)
		rows[i].ID = int64(i + 1)
		rows[i].Description = "Clean the gutters and check the downspouts for blockages."
		rows[i].BoardColumn = string(boardColumns[i%len(boardColumns)].name)
	}
	return rows
}

// BenchmarkBoardInProcess measures the board's CPU in the process, without HTTP or SQL: tagging it from
// the rows, tagging it the old way (SHA-256 of a first JSON encoding, for comparison), and laying it out
// and encoding it once for the response.
func BenchmarkBoardInProcess(b *testing.B) {
	rows := benchBoardRows(b)
	b.Run("ETagFromRows", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = boardETag(30, rows)
		}
	})
	b.Run("ETagFromJSONForComparison", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			board := layOutBoard(30, rows)
			body, err := board.MarshalJSON()
			if err != nil {
				b.Fatal(err)
			}
			_ = sha256.Sum256(body)
		}
	})
	b.Run("LayOutAndEncode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			board := layOutBoard(30, rows)
			e := jx.Encoder{}
			board.Encode(&e)
		}
	})
}
