package admin

import (
	"encoding/base64"
	"strconv"
	"time"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// idPageLimitDefault is the page size of the lists of users and household resources when limit is absent
// (the Limit parameter's default in api/admin.yaml).
const idPageLimitDefault = 50

// idPage is one page of a list ordered newest first by id: the rows whose id is below beforeID (nil: from
// the newest), limit of them. The lists' queries fetch one more row than limit to tell whether a next page
// exists, and carry the total of every page on each row.
type idPage struct {
	beforeID *int64
	limit    int32
}

// parseIDPage reads the shared cursor and limit parameters; a cursor this API did not give out is a 400
// naming cursor.
func parseIDPage(cursor adminoas.OptString, limit adminoas.OptInt) (idPage, error) {
	id, err := parseIDCursor(cursor)
	return idPage{beforeID: id, limit: int32(limit.Or(idPageLimitDefault))}, err //nolint:gosec // G115: the spec bounds limit to 1..200
}

// parseIDCursor reads a cursor that idCursor gave out: the id of the previous page's last row (nil: no cursor,
// the first page). Every admin list pages by id this way, in whichever direction its query runs; anything else
// is a 400 naming cursor.
func parseIDCursor(cursor adminoas.OptString) (*int64, error) {
	c, ok := cursor.Get()
	if !ok || c == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	id, perr := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || perr != nil || id < 1 {
		return nil, apierror.Validation(map[string]string{"cursor": "is not a cursor this list gave out"})
	}
	return &id, nil
}

// idCursor is the opaque cursor of the page after the row with this id.
func idCursor(id int64) adminoas.NilString {
	return adminoas.NewNilString(base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10))))
}

// rows is the row count to ask the query for: one more than the page, to see whether another follows.
func (p idPage) rows() int32 { return p.limit + 1 }

// next trims a page of n fetched rows to the limit and returns how many to keep and the cursor of the next
// page (null on the last), given the id of the last row kept.
func (p idPage) next(n int, idAt func(i int) int64) (int, adminoas.NilString) {
	if n <= int(p.limit) {
		return n, adminoas.NilString{Null: true}
	}
	return int(p.limit), idCursor(idAt(int(p.limit) - 1))
}

// likePattern makes q an ILIKE pattern matching it as a substring, its wildcards taken literally; an empty
// or absent q matches everything (nil).
func likePattern(q adminoas.OptString) *string {
	s, ok := q.Get()
	if !ok || s == "" {
		return nil
	}
	var b []byte
	b = append(b, '%')
	for i := range len(s) {
		if c := s[i]; c == '%' || c == '_' || c == '\\' {
			b = append(b, '\\', c)
		} else {
			b = append(b, c)
		}
	}
	b = append(b, '%')
	p := string(b)
	return &p
}

func nilDateTimeOf(t *time.Time) adminoas.NilDateTime {
	if t == nil {
		return adminoas.NilDateTime{Null: true}
	}
	return adminoas.NewNilDateTime(t.UTC())
}

// total is the total of every page: the one the page's first row carries, or, for an empty page after a
// cursor (the rows past it were deleted meanwhile), recount's, which runs the list again from the start.
func (p idPage) total(n int, first func() int64, recount func() (int64, error)) (int64, error) {
	switch {
	case n > 0:
		return first(), nil
	case p.beforeID == nil:
		return 0, nil
	default:
		return recount()
	}
}

func nilInt64Of(v *int64) adminoas.NilInt64 {
	if v == nil {
		return adminoas.NilInt64{Null: true}
	}
	return adminoas.NewNilInt64(*v)
}

func nilDateOf(t *time.Time) adminoas.NilDate {
	if t == nil {
		return adminoas.NilDate{Null: true}
	}
	return adminoas.NewNilDate(*t)
}

func nilStringOf(s *string) adminoas.NilString {
	if s == nil {
		return adminoas.NilString{Null: true}
	}
	return adminoas.NewNilString(*s)
}

// optID is an optional id filter as a query's nullable parameter.
func optID(o adminoas.OptInt64) *int64 {
	if v, ok := o.Get(); ok {
		return &v
	}
	return nil
}
