package adminweb

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-faster/jx"

	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// auditPageSize is how many entries the audit page shows at a time.
const auditPageSize = 25

// auditTextFilters are the audit page's text filters with the spec's length bounds (the panel calls the code
// directly, past ogen's checks of parameters, so it bounds them itself).
var auditTextFilters = []struct {
	Name string
	Max  int
}{
	{"admin", 254}, {"action", 100}, {"target_type", 100}, {"target_id", 254},
}

type auditView struct {
	Filters map[string]string
	Err     formError
	Entries []auditRow
	Pager   pager
}

// auditRow is one entry as the page shows it, with before and after pretty-printed.
type auditRow struct {
	adminoas.AuditEntry
	BeforeJSON, AfterJSON string
	// Changed lists the top-level fields whose value differs between before and after (both recorded), so
	// that a change of one setting in the whole settings document is seen without reading both.
	Changed []string
}

func (p *Panel) auditPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := auditView{Filters: map[string]string{}}
	params := adminoas.AdminAuditListParams{Limit: adminoas.NewOptInt(auditPageSize)}
	fields := map[string]string{}
	for _, f := range auditTextFilters {
		text := strings.TrimSpace(q.Get(f.Name))
		v.Filters[f.Name] = text
		if len(text) > f.Max {
			fields[f.Name] = "must be at most " + strconv.Itoa(f.Max) + " characters"
		}
	}
	params.Admin, params.Action = optString(v.Filters["admin"]), optString(v.Filters["action"])
	params.TargetType, params.TargetID = optString(v.Filters["target_type"]), optString(v.Filters["target_id"])
	for _, name := range []string{"since", "until"} {
		text := strings.TrimSpace(q.Get(name))
		v.Filters[name] = text
		if text == "" {
			continue
		}
		day, err := time.Parse(time.DateOnly, text)
		if err != nil {
			fields[name] = "must be a date (YYYY-MM-DD)"
			continue
		}
		if name == "since" {
			params.Since = adminoas.NewOptDateTime(day)
		} else {
			// The until day is included: entries before the next day's start (UTC).
			params.Until = adminoas.NewOptDateTime(day.AddDate(0, 0, 1))
		}
	}
	if len(fields) > 0 {
		v.Err = fieldsError(fields)
		p.render(w, r, http.StatusBadRequest, "audit", page{Title: "Audit log", Data: v})
		return
	}
	cursor := q.Get("cursor")
	params.Cursor = optString(cursor)
	res, err := p.admin.AdminAuditList(r.Context(), params)
	if err != nil {
		if fe, ok := asFormError(err); ok {
			v.Err = fe
			p.render(w, r, fe.Status, "audit", page{Title: "Audit log", Data: v})
			return
		}
		p.fail(w, r, err)
		return
	}
	pg, ok := res.(*adminoas.AuditPage)
	if !ok {
		p.unexpected(w, r, res)
		return
	}
	for _, e := range pg.Items {
		row := auditRow{AuditEntry: e}
		if b, ok := e.Before.Get(); ok {
			row.BeforeJSON = prettyJSON(b)
		}
		if a, ok := e.After.Get(); ok {
			row.AfterJSON = prettyJSON(a)
		}
		if !e.Before.Null && !e.After.Null {
			row.Changed = changedFields(e.Before.Value, e.After.Value)
		}
		v.Entries = append(v.Entries, row)
	}
	v.Pager = newPager(Prefix+"/audit", q, pg.Total, cursor, pg.NextCursor.Or(""))
	p.render(w, r, http.StatusOK, "audit", page{Title: "Audit log", Data: v})
}

// prettyJSON indents a recorded before or after for reading, keys sorted; characters HTML treats specially
// are left as they are in the JSON, for the template to escape as text.
func prettyJSON[M ~map[string]jx.Raw](m M) string {
	obj := make(map[string]json.RawMessage, len(m))
	for k, v := range maps.All(m) {
		obj[k] = json.RawMessage(v)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(obj); err != nil {
		return "(not valid JSON)"
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// changedFields returns the sorted keys whose JSON values differ between before and after (a key on one side
// only counts as changed).
func changedFields(before adminoas.AuditEntryBefore, after adminoas.AuditEntryAfter) []string {
	var changed []string
	for k, b := range before {
		if a, ok := after[k]; !ok || !sameJSON(b, a) {
			changed = append(changed, k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			changed = append(changed, k)
		}
	}
	slices.Sort(changed)
	return changed
}

// sameJSON says whether two JSON values are the same once whitespace is ignored.
func sameJSON(a, b jx.Raw) bool {
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}
